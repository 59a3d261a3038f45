package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import io.spritestream.loader.testing.RepoFiles;
import io.spritestream.producer.cli.ProducerMain;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The commands the project tells a user to type (the README's examples, the demo's "Next:" hints,
 * the broker's "Try:") name jars that the build makes and parse with the command line of the jar
 * they name, so a renamed option or command cannot leave the docs behind. Parsing only: nothing runs.
 */
class DocsConsistencyTest {

    private static final String LOADER_JAR = "loader/target/spritestream-loader.jar";
    private static final String PRODUCER_JAR = "producer/target/spritestream-producer.jar";
    private static final Pattern COMMAND = Pattern.compile("java -jar (\\S+\\.jar)((?: [^`#|&;\"\\n]*)?)");

    @Test
    void everyReadmeCommandOfAJarOfThisRepositoryParses() throws Exception {
        List<String> commands = new ArrayList<>();
        for (String doc : List.of("README.md", "docker/README.md", "grafana/README.md")) {
            if (!Files.exists(RepoFiles.resolve(doc))) {
                continue;
            }
            for (String line : Files.readAllLines(RepoFiles.resolve(doc))) {
                Matcher m = COMMAND.matcher(line);
                while (m.find()) {
                    if (m.group(1).equals(LOADER_JAR) || m.group(1).equals(PRODUCER_JAR)) {
                        assertParses(m.group(1), m.group(2), doc + ": " + line);
                        commands.add(m.group());
                    }
                }
            }
        }
        assertTrue(commands.size() >= 8, "the README's commands were found: " + commands);
    }

    @Test
    void theDemosNextStepsUseTheLoaderJarAndParse() {
        List<String> jarLines = DemoCommand.NEXT_STEPS.stream().filter(l -> l.startsWith("java -jar ")).toList();
        assertTrue(jarLines.size() >= 6, DemoCommand.NEXT_STEPS.toString());
        for (String line : jarLines) {
            Matcher m = COMMAND.matcher(line);
            assertTrue(m.lookingAt(), line);
            assertEquals(LOADER_JAR, m.group(1), "one jar for every hint: " + line);
            assertParses(m.group(1), m.group(2), "demo: " + line);
        }
    }

    @Test
    void theBrokersHintUsesTheLoaderJarAndParses() throws Exception {
        String source = Files.readString(RepoFiles.resolve(
                "loader/src/main/java/io/spritestream/loader/cli/BrokerCommand.java"));
        Matcher m = COMMAND.matcher(source.substring(source.indexOf("Try: ")));
        assertTrue(m.find(), "the broker prints a command to try");
        assertEquals(LOADER_JAR, m.group(1));
        assertParses(m.group(1), m.group(2), "broker");
    }

    private static void assertParses(String jar, String args, String where) {
        String[] argv = args.isBlank() ? new String[0] : args.strip().split("\\s+");
        assertFalse(Arrays.asList(argv).contains("..."), where);
        CommandLine cli = Cli.commandLine(jar.equals(LOADER_JAR) ? new LoaderMain() : new ProducerMain());
        try {
            cli.parseArgs(argv);
        } catch (CommandLine.ParameterException e) {
            throw new AssertionError(where + " does not parse: " + e.getMessage(), e);
        }
    }
}
