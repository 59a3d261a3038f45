package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.cli.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.security.plain.PlainLoginModule;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** A SASL/PLAIN-secured broker: the credentials of --kafka-config reach every client, and never any output. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecuredClusterTest {

    private static final String PASSWORD = "pw-Hunter2-do-not-print";
    private EmbeddedKafka broker;

    @BeforeAll
    void start() {
        Runtimes.configure();
        String serverJaas = PlainLoginModule.class.getName() + " required username=\"admin\" password=\"" + PASSWORD
                + "\" user_admin=\"" + PASSWORD + "\" user_trainer=\"" + PASSWORD + "\";";
        broker = EmbeddedKafka.builder()
                .property("listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT")
                .property("sasl.enabled.mechanisms", "PLAIN")
                .property("sasl.mechanism.inter.broker.protocol", "PLAIN")
                .property("listener.name.plaintext.plain.sasl.jaas.config", serverJaas)
                .clientProperty("security.protocol", "SASL_PLAINTEXT")
                .clientProperty("sasl.mechanism", "PLAIN")
                .clientProperty("sasl.jaas.config", jaas("admin", PASSWORD))
                .start();
    }

    @AfterAll
    void stop() {
        broker.close();
    }

    private static String jaas(String user, String password) {
        return PlainLoginModule.class.getName() + " required username=\"" + user + "\" password=\"" + password + "\";";
    }

    private static Path clientConfig(Path dir, String name, String password) throws Exception {
        Path file = dir.resolve(name);
        Files.write(file, List.of("security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN",
                "sasl.jaas.config=" + jaas("trainer", password).replace("\"", "\\\"")));
        return file;
    }

    private static CliRun run(String... args) {
        return CliRun.run(new LoaderMain(), args);
    }

    @Test
    void theRightCredentialsProduceAndLoadAndThePasswordIsNeverPrinted(@TempDir Path dir) throws Exception {
        Path config = clientConfig(dir, "client.properties", PASSWORD);
        Path report = dir.resolve("report.json");
        Path state = dir.resolve("state.json");

        CliRun produced = run("produce", "--bootstrap", broker.bootstrapServers(), "--kafka-config", config.toString(),
                "--dataset", "secured", "--synthetic", "120", "--size", "16", "--quiet");
        CliRun loaded = run("load", "--bootstrap", broker.bootstrapServers(), "--kafka-config", config.toString(),
                "--dataset", "secured", "--size", "16", "--quiet", "--report-json", report.toString(),
                "--save-state", state.toString(), "--verbose");
        CliRun listed = run("datasets", "--bootstrap", broker.bootstrapServers(), "--kafka-config", config.toString());

        assertEquals(0, produced.exit(), produced.err());
        assertEquals(0, loaded.exit(), loaded.err());
        assertEquals(0, listed.exit(), listed.err());
        assertTrue(loaded.out().contains("delivered 120 samples"), loaded.out());
        for (String output : List.of(produced.out(), produced.err(), loaded.out(), loaded.err(), listed.out(),
                listed.err(), Files.readString(report), Files.readString(state))) {
            assertFalse(output.contains(PASSWORD), "the password leaked: " + output);
        }
    }

    @Test
    void wrongCredentialsFailFastWithAnAuthenticationErrorAndNoPassword(@TempDir Path dir) throws Exception {
        Path config = clientConfig(dir, "wrong.properties", "not-the-password");
        long began = System.nanoTime();
        CliRun r = run("load", "--bootstrap", broker.bootstrapServers(), "--kafka-config", config.toString(),
                "--dataset", "secured", "--quiet");
        double seconds = (System.nanoTime() - began) / 1e9;

        assertEquals(1, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains("Authentication failed"), r.err());
        assertFalse(r.err().contains("not-the-password"), r.err());
        assertTrue(seconds < 20, "fails fast, not after the timeout: " + seconds + " s");
    }
}
