package io.spritestream.loader.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.management.ThreadInfo;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * CPU time spent between two snapshots: the whole process (GC, JIT and native threads included),
 * Java threads grouped by role (a function of the thread's name), and the JIT compiler threads'
 * CPU (read from {@code /proc} on Linux; elsewhere the JVM's own count of time spent compiling).
 * Threads that end before the second snapshot count with what they recorded as they ended
 * ({@link EndedThreads}); others that end are missed.
 */
final class CpuUse {

    private static final String OTHER = "other (GC, native)";
    static final String JIT = "JIT";

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private final Function<String, String> role;
    private Map<Long, Long> before = Map.of();
    private final Map<Long, String> roles = new HashMap<>();
    private long processBefore;
    private long jitNanosBefore;
    private long wallBefore;

    private final EndedThreads ended;

    /** @param role the role a thread of this name plays (its CPU is summed under it) */
    CpuUse(Function<String, String> role) {
        this(role, new EndedThreads());
    }

    /** @param ended where threads that end record their last figures, still counted after they are gone */
    CpuUse(Function<String, String> role, EndedThreads ended) {
        this.role = role;
        this.ended = ended;
        if (threads.isThreadCpuTimeSupported()) {
            threads.setThreadCpuTimeEnabled(true);
        }
    }

    void start() {
        before = snapshot();
        processBefore = os.getProcessCpuTime();
        jitNanosBefore = jitNanos();
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
        // Compiler threads are not Java threads: their time is part of what no role counted.
        long compiling = Math.min(Math.max(0, process - counted), jitNanos() - jitNanosBefore);
        cores.put(JIT, (double) compiling / wall);
        cores.put(OTHER, Math.max(0, (double) (process - counted - compiling) / wall));
        cores.put("total", (double) process / wall);
        return cores;
    }

    /**
     * CPU time of the JIT compiler threads so far: they are not Java threads, so the thread bean
     * does not see them. From {@code /proc/self/task/ID/stat} (clock ticks, 10 ms) where it exists.
     */
    static long jitNanos() {
        Path tasks = Path.of("/proc/self/task");
        if (Files.isDirectory(tasks)) {
            long ticks = 0;
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
                for (Path task : dir) {
                    ticks += compilerTicks(task);
                }
                return ticks * 10_000_000L;
            } catch (IOException | RuntimeException e) {
                // fall through to the JVM's count
            }
        }
        java.lang.management.CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() * 1_000_000L : 0;
    }

    private static long compilerTicks(Path task) {
        try {
            String comm = Files.readString(task.resolve("comm")).trim();
            if (!comm.startsWith("C1 Compiler") && !comm.startsWith("C2 Compiler")) {
                return 0;
            }
            String stat = Files.readString(task.resolve("stat"));
            // Fields after the ")" that ends the name: state is field 3, utime 14, stime 15.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException e) {
            return 0; // a thread that ended meanwhile
        }
    }

    private Map<Long, Long> snapshot() {
        Map<Long, Long> cpu = new HashMap<>();
        ended.byThread().forEach((id, f) -> {
            cpu.put(id, f.cpuNanos());
            roles.put(id, role.apply(f.name()));
        });
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
