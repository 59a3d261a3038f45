package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.CliRun;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every usage error reads the same way, whoever finds it (picocli or a command): one line
 * {@code error: ...}, then {@code Try '... --help'}, exit code 2, nothing printed before it; and
 * {@code -V} answers on every command. No broker is needed: each fails before reaching one.
 */
class CliStyleTest {

    private static CliRun run(String... args) {
        return CliRun.run(new LoaderMain(), args);
    }

    @Test
    void everyUsageErrorIsOneLineThenTry() {
        List<List<String>> cases = List.of(
                List.of("produce", "--sheet", "x.png", "--dataset", "d"),             // picocli: a missing argument
                List.of("load", "--dataset", "x", "--fit", "zoom"),                    // picocli: a bad enum value
                List.of("load", "--dataset", "x", "--topic", "y"),                      // picocli: exclusive options
                List.of("load", "--dataset", "x", "--bach", "3"),                       // picocli: an unknown option
                List.of("train"),                                                         // the command: nothing to train on
                List.of("load", "--dataset", "x", "--batch", "0"),                      // a setting's declaration
                List.of("load", "--dataset", "x", "--augment", "zoom"),                 // a spec
                List.of("preview", "--dataset", "x", "--scale", "0"),                   // the command's own check
                List.of("evaluate", "--model", "m"));                                    // picocli: a missing group
        for (List<String> args : cases) {
            CliRun r = run(args.toArray(new String[0]));
            String command = args.get(0);
            List<String> lines = r.err().lines().toList();
            assertEquals(2, r.exit(), args + "\n" + r.err());
            assertEquals(2, lines.size(), args + "\n" + r.err());
            assertTrue(lines.get(0).startsWith("error: "), args + "\n" + r.err());
            assertEquals("Try 'spritestream-loader " + command + " --help' for more information.", lines.get(1));
            assertEquals("", r.out(), args + ": nothing before the error (no seed, no usage)");
        }
        assertEquals("error: unknown options: '--bach', '3' (did you mean --batch?)",
                run("load", "--dataset", "x", "--bach", "3").err().lines().findFirst().orElseThrow());
    }

    @Test
    void dashCapitalVPrintsTheVersionOnEveryCommand() {
        String version = run("-V").out().strip();
        assertTrue(version.startsWith("spritestream "), version);
        for (String command : List.of("load", "train", "feed", "evaluate", "preview", "bench", "demo", "broker",
                "produce", "datasets")) {
            assertEquals(version, run(command, "-V").out().strip(), command);
        }
        assertEquals(version, run("cache", "clear", "-V").out().strip());
    }
}
