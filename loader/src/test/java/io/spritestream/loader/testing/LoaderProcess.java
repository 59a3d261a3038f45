package io.spritestream.loader.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The loader's command line in a JVM of its own (for signals and kills), and argument lists. */
public final class LoaderProcess {

    private static final String MAIN = "io.spritestream.loader.cli.LoaderMain";

    private LoaderProcess() {}

    /** {@code spritestream-loader ARGS} in a new JVM on this test's class path, its output into {@code log}. */
    public static Process start(Path log, String... args) throws IOException {
        List<String> command = javaCommand();
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** {@code java ... LoaderMain} on this test's class path, arguments to follow (a list to add to). */
    public static List<String> javaCommand() {
        return new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), MAIN));
    }

    /** Sends signal {@code name} ({@code INT}, {@code TERM}, {@code KILL}) to {@code process}. */
    public static void signal(Process process, String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + process.pid());
    }

    /** {@code first} followed by {@code more}. */
    public static String[] concat(String[] first, String... more) {
        String[] all = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
