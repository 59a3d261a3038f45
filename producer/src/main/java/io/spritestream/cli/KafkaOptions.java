package io.spritestream.cli;

import io.spritestream.kafka.KafkaSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The options every command that talks to a Kafka cluster shares (a picocli mixin). */
public final class KafkaOptions {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = KafkaSettings.DEFAULT_BOOTSTRAP,
            description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "Kafka client properties (SASL, TLS, ...) given to every client of this command.")
    Path kafkaConfig;

    @Option(names = "--broker-timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long to wait for a broker that stops answering during a run before giving up "
                    + "(default: ${DEFAULT-VALUE}).")
    int brokerTimeoutSeconds;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "10",
            description = "How long to wait at start for a first answer from the cluster (default: ${DEFAULT-VALUE}).")
    int connectTimeoutSeconds;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The settings these options describe. */
    public KafkaSettings settings() throws IOException {
        if (brokerTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--broker-timeout: " + brokerTimeoutSeconds + " (expected >= 1)");
        }
        if (connectTimeoutSeconds < 1) {
            throw new IllegalArgumentException("--connect-timeout: " + connectTimeoutSeconds + " (expected >= 1)");
        }
        if (bootstrap == null || !bootstrap.matches("[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*")) {
            throw new IllegalArgumentException("--bootstrap: '" + bootstrap + "' (expected HOST:PORT[,HOST:PORT...])");
        }
        return KafkaSettings.of(bootstrap).withTimeout(Duration.ofSeconds(brokerTimeoutSeconds))
                .withConnectTimeout(Duration.ofSeconds(connectTimeoutSeconds)).withConfigFile(kafkaConfig)
                .withNotices(this::notice);
    }

    /** A wait for Kafka, said on the command's standard error. */
    private void notice(String line) {
        java.io.PrintWriter err = command == null ? new java.io.PrintWriter(System.err, true)
                : command.commandLine().getErr();
        err.println(line);
        err.flush();
    }
}
