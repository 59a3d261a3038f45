package io.spritestream.cli;

import io.spritestream.kafka.KafkaSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options every command that talks to a Kafka cluster shares (a picocli mixin; defaults, docs and
 * checks from {@link KafkaSettings}'s declarations, which the command's bundle serves: see
 * {@link SettingsBundle#SHARED}).
 */
@Command(resourceBundle = SharedSettingsBundle.NAME)
public final class KafkaOptions {

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", defaultValue = "${bundle:bootstrap.default}",
            descriptionKey = "bootstrap.doc")
    String bootstrap;

    @Option(names = "--kafka-config", paramLabel = "FILE", descriptionKey = "kafka-config.doc")
    Path kafkaConfig;

    @Option(names = "--broker-timeout", paramLabel = "SECONDS", defaultValue = "${bundle:broker-timeout.default}",
            descriptionKey = "broker-timeout.doc")
    int brokerTimeoutSeconds;

    @Option(names = "--connect-timeout", paramLabel = "SECONDS", defaultValue = "${bundle:connect-timeout.default}",
            descriptionKey = "connect-timeout.doc")
    int connectTimeoutSeconds;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The settings these options describe, each checked against its declaration. */
    public KafkaSettings settings() throws IOException {
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
