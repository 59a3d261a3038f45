package io.spritestream.loader.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Heap bytes allocated by a set of threads between two snapshots, from the JVM's per-thread
 * allocation counters ({@code com.sun.management.ThreadMXBean}). Threads started after the first
 * snapshot count from zero; threads that end before the second count with what they recorded as
 * they ended ({@link EndedThreads}).
 */
final class ThreadAllocations {

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final Predicate<String> names;
    private Map<Long, Long> before = new HashMap<>();

    private final EndedThreads ended;

    /** Counts the threads whose name {@code names} accepts. */
    ThreadAllocations(Predicate<String> names) {
        this(names, new EndedThreads());
    }

    /** @param ended where threads that end record their last figures, still counted after they are gone */
    ThreadAllocations(Predicate<String> names, EndedThreads ended) {
        this.names = names;
        this.ended = ended;
        threads.setThreadAllocatedMemoryEnabled(true);
    }

    void start() {
        before = snapshot();
    }

    /** Bytes allocated by the counted threads since {@link #start()}. */
    long bytesSinceStart() {
        long total = 0;
        for (Map.Entry<Long, Long> e : snapshot().entrySet()) {
            total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return total;
    }

    private Map<Long, Long> snapshot() {
        Map<Long, Long> bytes = new HashMap<>();
        ended.byThread().forEach((id, f) -> {
            if (names.test(f.name())) {
                bytes.put(id, f.allocatedBytes());
            }
        });
        long[] ids = threads.getAllThreadIds();
        long[] allocated = threads.getThreadAllocatedBytes(ids);
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] != null && allocated[i] >= 0 && names.test(infos[i].getThreadName())) {
                bytes.put(ids[i], allocated[i]);
            }
        }
        return bytes;
    }
}
