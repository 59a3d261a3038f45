package io.spritestream.loader.pipeline;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * When this process reached each step of its start, in seconds from the process's start: the
 * {@code startup} of a run report, and what {@code bench --cold} breaks a cold start down by. The
 * steps a command marks, in order: {@code main} (the JVM is up and runs our code), {@code command}
 * (the command line is parsed and checked), {@code resolved} (Kafka answered and the source is
 * resolved to offsets), {@code started} (the pipeline's threads run), {@code first_batch} (the
 * first batch was handed to the training loop), and {@code last_batch} (the run is over: its last
 * batch was handed over, or its batch limit reached). A step keeps its first
 * mark: a second run in the same process does not move it. Any thread.
 */
public final class StartupTimeline {

    private static final Map<String, Long> MARKS = new LinkedHashMap<>();

    private StartupTimeline() {}

    /** This process reached {@code step} now (the first time it is marked counts). */
    public static void mark(String step) {
        long now = System.nanoTime();
        synchronized (MARKS) {
            MARKS.putIfAbsent(step, now);
        }
    }

    /**
     * The steps marked so far, seconds from the process's start (to the operating system's clock
     * tick, 10 ms on Linux; from the JVM's start where the process's is unknown).
     */
    public static Map<String, Double> seconds() {
        Map<String, Long> marks;
        synchronized (MARKS) {
            marks = new LinkedHashMap<>(MARKS);
        }
        long now = System.nanoTime();
        double age = processAgeSeconds();
        Map<String, Double> seconds = new LinkedHashMap<>();
        marks.forEach((step, nanos) -> seconds.put(step, Math.round((age - (now - nanos) / 1e9) * 1000) / 1000.0));
        return seconds;
    }

    /**
     * Seconds since this process started: on Linux, the system's uptime less the process's start
     * time after boot ({@code /proc}, both to the clock tick; the wall clock and the boot time, which
     * {@code ProcessHandle.Info.startInstant} combines, are only to the second); else since the JVM's start.
     */
    private static double processAgeSeconds() {
        try {
            String uptime = Files.readString(Path.of("/proc/uptime"));
            String stat = Files.readString(Path.of("/proc/self/stat"));
            // Fields after the command name (in parentheses, which may hold spaces): the start time is the 22nd field.
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long startTicks = Long.parseLong(fields[19]);
            return Double.parseDouble(uptime.substring(0, uptime.indexOf(' '))) - startTicks / (double) CLOCK_TICKS;
        } catch (IOException | RuntimeException e) {
            return (System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime()) / 1000.0;
        }
    }

    /** {@code sysconf(_SC_CLK_TCK)}: 100 on every Linux the loader runs on. */
    private static final int CLOCK_TICKS = 100;
}
