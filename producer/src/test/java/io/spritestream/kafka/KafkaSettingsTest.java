package io.spritestream.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaSettingsTest {

    private static final String JAAS = "org.apache.kafka.common.security.plain.PlainLoginModule required "
            + "username=\"alice\" password=\"hunter2\";";

    @TempDir
    Path dir;

    @Test
    void configFilePropertiesReachEveryClient() throws IOException {
        Path file = write("client.properties",
                "security.protocol=SASL_SSL",
                "sasl.mechanism=PLAIN",
                "sasl.jaas.config=" + JAAS,
                "ssl.truststore.location=/etc/kafka/truststore.jks");

        KafkaSettings settings = KafkaSettings.of("broker-1:9093").withConfigFile(file);

        for (Map<String, Object> client : List.of(settings.admin("a"), settings.consumer("c"), settings.producer("p"))) {
            assertEquals("SASL_SSL", client.get(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG), client.toString());
            assertEquals("PLAIN", client.get("sasl.mechanism"));
            assertEquals(JAAS, client.get("sasl.jaas.config"));
            assertEquals("/etc/kafka/truststore.jks", client.get("ssl.truststore.location"));
            assertEquals("broker-1:9093", client.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
        }
        assertEquals("a", settings.admin("a").get(AdminClientConfig.CLIENT_ID_CONFIG));
        assertEquals("c", settings.consumer("c").get(ConsumerConfig.CLIENT_ID_CONFIG));
        assertEquals("p", settings.producer("p").get(ProducerConfig.CLIENT_ID_CONFIG));
    }

    @Test
    void theConfigFilesBootstrapIsUsedOnlyWhenNoneWasGiven() throws IOException {
        Path file = write("bootstrap.properties", "bootstrap.servers=from-file:9092");

        assertEquals("from-file:9092", KafkaSettings.of(KafkaSettings.DEFAULT_BOOTSTRAP).withConfigFile(file).bootstrap());
        assertEquals("given:9092", KafkaSettings.of("given:9092").withConfigFile(file).bootstrap());
        assertEquals("given:9092", KafkaSettings.of("given:9092").withConfigFile(file)
                .producer("p").get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG));
    }

    @Test
    void theEnvironmentsAddressIsTheDefaultAndErrorsSayWhereAnAddressCameFrom() throws IOException {
        KafkaSettings unset = KafkaSettings.fromEnvironment(null);
        KafkaSettings set = KafkaSettings.fromEnvironment("env-host:29092");
        Path file = write("env.properties", "bootstrap.servers=from-file:9092");

        assertEquals(KafkaSettings.DEFAULT_BOOTSTRAP, unset.bootstrap());
        assertEquals("127.0.0.1:9092 (the default; set --bootstrap or $SPRITESTREAM_BOOTSTRAP)", unset.where());
        assertEquals("env-host:29092", set.bootstrap());
        assertEquals("env-host:29092 (from $SPRITESTREAM_BOOTSTRAP)", set.where());
        assertEquals("from-file:9092 (from bootstrap.servers in " + file + ")", set.withConfigFile(file).where(),
                "a config file given on the command line is nearer than the environment");
        assertEquals("given:9092", KafkaSettings.of("given:9092").where(), "an address given is not explained");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> KafkaSettings.fromEnvironment("localhost"));
        assertEquals("$SPRITESTREAM_BOOTSTRAP: 'localhost' (expected HOST:PORT[,HOST:PORT...])", bad.getMessage());
    }

    @Test
    void describeMasksSecretValuesButShowsTheRest() throws IOException {
        Path file = write("secret.properties",
                "sasl.mechanism=PLAIN",
                "sasl.jaas.config=" + JAAS,
                "ssl.truststore.password=s3cr3t-store",
                "sasl.oauthbearer.client.credentials.client.secret=oauth-s3cret",
                "sasl.login.refresh.buffer.seconds=300");

        String description = KafkaSettings.of("broker-1:9093").withConfigFile(file).describe();

        for (String secret : List.of("hunter2", "alice", "s3cr3t-store", "oauth-s3cret")) {
            assertFalse(description.contains(secret), "describe() shows '" + secret + "': " + description);
        }
        assertTrue(description.startsWith("broker-1:9093"), description);
        assertTrue(description.contains("sasl.jaas.config=[hidden]"), description);
        assertTrue(description.contains("ssl.truststore.password=[hidden]"), description);
        assertTrue(description.contains("sasl.mechanism=PLAIN"), description);
        assertTrue(description.contains("sasl.login.refresh.buffer.seconds=300"), description);
    }

    @Test
    void aMissingConfigFileIsRejectedNamingTheOption() {
        Path missing = dir.resolve("nope.properties");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KafkaSettings.of("h:1").withConfigFile(missing));

        assertTrue(e.getMessage().startsWith("kafka-config: "), e.getMessage());
        assertTrue(Cli.commandLineMessage(e).startsWith("--kafka-config: "), Cli.commandLineMessage(e));
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }

    @Test
    void theTimeoutBoundsTheBlockingCallsOfEveryClient() {
        KafkaSettings settings = KafkaSettings.of("h:1").withTimeout(Duration.ofSeconds(3));

        assertEquals("3000", String.valueOf(settings.admin("a").get(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG)));
        assertEquals("3000", String.valueOf(settings.consumer("c").get(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG)));
        assertEquals("3000", String.valueOf(settings.producer("p").get(ProducerConfig.MAX_BLOCK_MS_CONFIG)));
        assertThrows(IllegalArgumentException.class, () -> settings.withTimeout(Duration.ZERO));
    }

    private Path write(String name, String... lines) throws IOException {
        return Files.write(dir.resolve(name), List.of(lines));
    }
}
