package io.spritestream.loader.bench;

/** What every stage of {@link Bench} reports, and how its threads are named and counted. */
final class StageFigures {

    private StageFigures() {}

    static BenchReport.Stage stage(String name, long samples, double seconds, long bytes, long heap) {
        return new BenchReport.Stage(name, samples, seconds, samples / seconds, bytes / seconds / 1e6,
                samples == 0 ? 0 : (double) heap / samples, null, null, null, null);
    }

    /** Roles of threads for the CPU breakdown; the calling thread plays {@code callerRole}. */
    static java.util.function.Function<String, String> roles(String callerRole) {
        String caller = Thread.currentThread().getName();
        return name -> name.equals(caller) ? callerRole : role(name);
    }

    private static String role(String thread) {
        if (thread.startsWith("spritestream-decoder") || thread.startsWith("spritestream-bench-decode")
                || thread.startsWith("spritestream-bench-augment")
                || thread.startsWith("spritestream-bench-naive")) {
            return "decode";
        }
        if (thread.startsWith("spritestream-reader")) {
            return "reader";
        }
        if (thread.startsWith("spritestream-assembler")) {
            return "assembler";
        }
        if (thread.startsWith("spritestream-")) {
            return "loader other";
        }
        String t = thread.toLowerCase(java.util.Locale.ROOT);
        if (t.contains("kafka") || t.contains("broker") || t.contains("raft") || t.contains("controller")
                || t.contains("log") || t.contains("request-handler") || t.contains("network")) {
            return "broker";
        }
        return "other java";
    }

    static java.util.concurrent.ThreadFactory named(String prefix) {
        int[] n = {0};
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n[0]++);
            t.setDaemon(true);
            return t;
        };
    }
}
