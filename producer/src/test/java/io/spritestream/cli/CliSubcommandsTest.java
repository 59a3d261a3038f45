package io.spritestream.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A command line whose top command makes its subcommands on demand builds only the one it runs. */
class CliSubcommandsTest {

    /** Names of the subcommands made, in order. */
    private final List<String> made = new ArrayList<>();

    @Command(name = "top", mixinStandardHelpOptions = true)
    final class Top implements Runnable, Cli.Subcommands {
        @Override
        public void run() {
        }

        @Override
        public Map<String, Supplier<Object>> subcommands() {
            Map<String, Supplier<Object>> all = new LinkedHashMap<>();
            all.put("alpha", () -> made("alpha", new Alpha()));
            all.put("beta", () -> made("beta", new Beta()));
            return all;
        }
    }

    @Command(name = "alpha")
    static final class Alpha implements Callable<Integer> {
        @Option(names = "--size")
        int size;

        @Override
        public Integer call() {
            return size;
        }
    }

    @Command(name = "beta")
    static final class Beta implements Callable<Integer> {
        @Override
        public Integer call() {
            return 0;
        }
    }

    private Object made(String name, Object command) {
        made.add(name);
        return command;
    }

    @Test
    void aCommandLineThatNamesASubcommandBuildsThatOneOnly() {
        assertEquals(7, Cli.run(new Top(), "alpha", "--size", "7"));
        assertEquals(List.of("alpha"), made);
    }

    @Test
    void anUnknownSubcommandBuildsThemAllAndSuggestsTheNearest() {
        String err = stderrOf(() -> assertEquals(Cli.USAGE, Cli.run(new Top(), "alpah")));
        assertEquals(List.of("alpha", "beta"), made);
        assertTrue(err.contains("alpha"), err);
    }

    @Test
    void theTopCommandsHelpListsEverySubcommand() {
        String out = stdoutOf(() -> assertEquals(0, Cli.run(new Top(), "--help")));
        assertTrue(out.contains("alpha") && out.contains("beta"), out);
        assertEquals(List.of("alpha", "beta"), made);
    }

    private static String stdoutOf(Runnable r) {
        return printed(r, false);
    }

    private static String stderrOf(Runnable r) {
        return printed(r, true);
    }

    /** What {@code r} printed on standard error ({@code err}) or output. */
    private static String printed(Runnable r, boolean err) {
        PrintStream old = err ? System.err : System.out;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream capture = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        if (err) {
            System.setErr(capture);
        } else {
            System.setOut(capture);
        }
        try {
            r.run();
        } finally {
            if (err) {
                System.setErr(old);
            } else {
                System.setOut(old);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
