package io.spritestream.loader.bench;

import io.spritestream.loader.pipeline.RunObservers;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last figures of the pipeline threads that ended: each records its own CPU time and allocated
 * bytes as its last act ({@link RunObservers#threadEnding}), so {@link CpuUse} and
 * {@link ThreadAllocations} still count a stage whose thread ended before their second snapshot (a
 * reader done with its records, an assembler that handed over the end). Thread-safe.
 */
final class EndedThreads {

    /** What an ended thread had used: its name, CPU nanoseconds, heap bytes allocated. */
    record Figures(String name, long cpuNanos, long allocatedBytes) {}

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private final Map<Long, Figures> ended = new ConcurrentHashMap<>();

    /** Records the calling thread's figures (on the thread that is ending). */
    void recordCurrent() {
        Thread t = Thread.currentThread();
        ended.put(t.getId(), new Figures(t.getName(), THREADS.getCurrentThreadCpuTime(),
                THREADS.getCurrentThreadAllocatedBytes()));
    }

    /** The figures of every thread recorded so far, by thread id. */
    Map<Long, Figures> byThread() {
        return Map.copyOf(ended);
    }

    /** {@code observers}, with every pipeline thread's figures recorded here as it ends. */
    RunObservers recording(RunObservers observers) {
        return observers.withThreadEnding(this::recordCurrent);
    }
}
