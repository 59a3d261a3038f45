package io.spritestream.loader.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * CPU time spent between two snapshots: the whole process (GC, JIT and native threads included)
 * and Java threads grouped by role (a function of the thread's name). Threads that end before the
 * second snapshot are missed, so take it before closing what owns them.
 */
final class CpuUse {

    private static final String OTHER = "other (GC, JIT, native)";

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Function<String, String> role;
    private Map<Long, Long> before = Map.of();
    private final Map<Long, String> roles = new HashMap<>();
    private long processBefore;
    private long wallBefore;

    /** @param role the role a thread of this name plays (its CPU is summed under it) */
    CpuUse(Function<String, String> role) {
        this.role = role;
        if (threads.isThreadCpuTimeSupported()) {
            threads.setThreadCpuTimeEnabled(true);
        }
    }

    void start() {
        before = snapshot();
        processBefore = os.getProcessCpuTime();
        wallBefore = System.nanoTime();
    }

    /** Cores kept busy on average since {@link #start()}: by role, then "other", then "total". */
    Map<String, Double> coresSinceStart() {
        long wall = Math.max(1, System.nanoTime() - wallBefore);
        long process = os.getProcessCpuTime() - processBefore;
        Map<String, Long> byRole = new LinkedHashMap<>();
        long counted = 0;
        for (Map.Entry<Long, Long> e : snapshot().entrySet()) {
            long used = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            byRole.merge(roles.get(e.getKey()), used, Long::sum);
            counted += used;
        }
        // The process total is counted in clock ticks on some systems: never less than its threads.
        process = Math.max(process, counted);
        Map<String, Double> cores = new LinkedHashMap<>();
        byRole.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> cores.put(e.getKey(), (double) e.getValue() / wall));
        cores.put(OTHER, Math.max(0, (double) (process - counted) / wall));
        cores.put("total", (double) process / wall);
        return cores;
    }

    private Map<Long, Long> snapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        long[] ids = threads.getAllThreadIds();
        long[] used = threads.getThreadCpuTime(ids);
        ThreadInfo[] infos = threads.getThreadInfo(ids);
        for (int i = 0; i < ids.length; i++) {
            if (infos[i] != null && used[i] >= 0) {
                cpu.put(ids[i], used[i]);
                roles.put(ids[i], role.apply(infos[i].getThreadName()));
            }
        }
        return cpu;
    }
}
