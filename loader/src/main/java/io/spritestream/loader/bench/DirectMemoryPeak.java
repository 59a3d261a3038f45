package io.spritestream.loader.bench;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicLong;

/** The highest direct-buffer memory seen by a sampler thread (every 5 ms) while it runs. */
final class DirectMemoryPeak implements AutoCloseable {

    private final AtomicLong peak = new AtomicLong();
    private final Thread sampler;
    private volatile boolean running = true;

    DirectMemoryPeak() {
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        sampler = new Thread(() -> {
            while (running) {
                peak.accumulateAndGet(direct.getMemoryUsed(), Math::max);
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000L);
            }
        }, "spritestream-bench-direct-sampler");
        sampler.setDaemon(true);
        peak.set(direct.getMemoryUsed());
        sampler.start();
    }

    long peakBytes() {
        return peak.get();
    }

    @Override
    public void close() {
        running = false;
    }
}
