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

    /** As given on the command line; null when not ({@code $SPRITESTREAM_BOOTSTRAP}, else the default). */
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", descriptionKey = "bootstrap.doc")
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

    /**
     * The settings these options describe, each checked against its declaration: the bootstrap servers
     * of {@code --bootstrap}, else of {@code --kafka-config}'s {@code bootstrap.servers}, else of
     * {@code $SPRITESTREAM_BOOTSTRAP}, else the default.
     */
    public KafkaSettings settings() throws IOException {
        return settings(null, null, null);
    }

    /**
     * The settings these options describe, where they leave {@code --bootstrap} and {@code --kafka-config}
     * out, an earlier run's (a resumed one): its bootstrap servers (an error says they are
     * {@code origin}'s) and its config file, when it had them.
     */
    public KafkaSettings settings(String earlierBootstrap, Path earlierConfig, String origin) throws IOException {
        KafkaSettings base = bootstrap != null ? KafkaSettings.of(bootstrap)
                : earlierBootstrap != null ? KafkaSettings.of(earlierBootstrap).withOrigin(origin, false)
                : KafkaSettings.fromEnvironment();
        return base.withTimeout(Duration.ofSeconds(brokerTimeoutSeconds))
                .withConnectTimeout(Duration.ofSeconds(connectTimeoutSeconds))
                .withConfigFile(kafkaConfig != null ? kafkaConfig : earlierConfig).withNotices(this::notice);
    }

    /** {@code --kafka-config} as given, or null. */
    public Path configFile() {
        return kafkaConfig;
    }

    /**
     * The options a later command needs to reach the cluster {@code settings} reached, as a hint
     * writes them: {@code --bootstrap H:P} unless the default ({@code $SPRITESTREAM_BOOTSTRAP} as it
     * is now, else the built-in one) gives the same, and {@code --kafka-config FILE} if one was given.
     */
    public String hintFor(KafkaSettings settings) {
        StringBuilder sb = new StringBuilder();
        String byDefault;
        try {
            byDefault = KafkaSettings.fromEnvironment().bootstrap();
        } catch (IllegalArgumentException e) {
            byDefault = null;
        }
        if (kafkaConfig != null) {
            sb.append(" --kafka-config ").append(kafkaConfig);
        }
        boolean fromFile = kafkaConfig != null && bootstrap == null;
        if (!fromFile && !settings.bootstrap().equals(byDefault)) {
            sb.append(" --bootstrap ").append(settings.bootstrap());
        }
        return sb.toString();
    }

    /** A wait for Kafka, said on the command's standard error. */
    private void notice(String line) {
        java.io.PrintWriter err = command == null ? new java.io.PrintWriter(System.err, true)
                : command.commandLine().getErr();
        err.println(line);
        err.flush();
    }
}
