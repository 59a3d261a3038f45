package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.CliRun;
import io.spritestream.loader.testing.LoaderProcess;
import io.spritestream.producer.cli.ProducerMain;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code $SPRITESTREAM_BOOTSTRAP} is the broker address of every command that leaves {@code --bootstrap}
 * out, in both jars: real child processes with the variable set (a test cannot set its own
 * environment), against the test broker on its non-default port.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BootstrapEnvironmentTest {

    private String bootstrap;

    @BeforeAll
    void broker(EmbeddedKafka broker) {
        bootstrap = broker.bootstrapServers();
    }

    /** {@code main ARGS} in a JVM of its own with {@code SPRITESTREAM_BOOTSTRAP=address}; its exit code and output. */
    private static Finished run(Path dir, String address, Class<?> main, String... args) throws Exception {
        List<String> command = LoaderProcess.javaCommand();
        command.set(command.size() - 1, main.getName());
        command.addAll(List.of(args));
        Path log = Files.createTempFile(dir, "run", ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("SPRITESTREAM_BOOTSTRAP", address);
        Process process = builder.start();
        assertTrue(process.waitFor(180, TimeUnit.SECONDS), "no exit within 180 s: " + String.join(" ", args));
        return new Finished(process.exitValue(), Files.readString(log));
    }

    private record Finished(int exit, String output) {}

    @Test
    void everyCommandOfBothJarsReachesTheBrokerTheVariableNamesWithoutBootstrap(@TempDir Path dir) throws Exception {
        Finished produced = run(dir, bootstrap, ProducerMain.class, "produce", "--dataset", "from-env", "--synthetic",
                "40", "--size", "8", "--quiet");
        assertEquals(0, produced.exit(), produced.output());

        Finished listed = run(dir, bootstrap, LoaderMain.class, "datasets");
        assertEquals(0, listed.exit(), listed.output());
        assertTrue(listed.output().contains("from-env@1"), listed.output());

        Finished loaded = run(dir, bootstrap, LoaderMain.class, "load", "--dataset", "from-env", "--size", "8",
                "--quiet");
        assertEquals(0, loaded.exit(), loaded.output());
        assertTrue(loaded.output().contains("delivered 40 samples"), loaded.output());
    }

    @Test
    void bootstrapOnTheCommandLineWinsOverTheVariable(@TempDir Path dir) throws Exception {
        Finished listed = run(dir, "no-such-host.invalid:9092", LoaderMain.class, "datasets", "--bootstrap", bootstrap);

        assertEquals(0, listed.exit(), listed.output());
    }

    @Test
    void anUnreachableAddressFromTheVariableIsSaidToComeFromIt(@TempDir Path dir) throws Exception {
        String dead = "127.0.0.1:" + closedPort();

        Finished listed = run(dir, dead, LoaderMain.class, "datasets", "--connect-timeout", "2");

        assertEquals(1, listed.exit(), listed.output());
        assertTrue(listed.output().contains("error: cannot reach Kafka at " + dead + " (from $SPRITESTREAM_BOOTSTRAP) "
                + "within 2 s"), listed.output());
    }

    @Test
    void aVariableThatIsNoAddressIsAUsageErrorNamingIt(@TempDir Path dir) throws Exception {
        Finished listed = run(dir, "localhost", LoaderMain.class, "datasets");

        assertEquals(2, listed.exit(), listed.output());
        assertTrue(listed.output().startsWith("error: $SPRITESTREAM_BOOTSTRAP: 'localhost' (expected HOST:PORT"),
                listed.output());
    }

    @Test
    void everyCommandsHelpSaysTheVariableIsTheDefault() {
        for (String command : List.of("load", "train", "feed", "preview", "evaluate", "produce", "datasets")) {
            CliRun help = CliRun.run(new LoaderMain(), command, "--help");
            String flat = help.out().replaceAll("\\s+", " ");
            assertTrue(flat.contains("Kafka bootstrap servers (default: $SPRITESTREAM_BOOTSTRAP, else 127.0.0.1:9092)"),
                    command + ": " + help.out());
        }
        CliRun producer = CliRun.run(new ProducerMain(), "produce", "--help");
        assertTrue(producer.out().replaceAll("\\s+", " ").contains("(default: $SPRITESTREAM_BOOTSTRAP, else 127.0.0.1:9092)"),
                producer.out());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
