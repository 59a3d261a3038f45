package io.spritestream.loader.cli;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.cli.VerboseOption;
import io.spritestream.config.Setting;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code broker}: a local single-node Kafka broker for development, in the foreground. */
@Command(name = "broker", mixinStandardHelpOptions = true, resourceBundle = LoaderSettingsBundle.Broker.NAME,
        description = {"Runs a real single-node Kafka broker (KRaft, from Kafka's own jars, no Docker) on "
                + "127.0.0.1 until Ctrl-C. Restarting on the same --data keeps every dataset."})
public final class BrokerCommand implements Callable<Integer> {

    static final Setting<Integer> PORT = Setting.integer("port", 9092, 1, 65535, "Client port");
    static final Setting<Integer> CONTROLLER_PORT = Setting.integer("controller-port", 0, 0, 65535,
            "Controller (KRaft) port, bound on 127.0.0.1; 0: a free one");
    static final Setting<Path> DATA = Setting.path("data", "spritestream-data", "Data folder, kept between runs");

    /** Every declared setting of its own. */
    static List<Setting<?>> declared() {
        return List.of(PORT, CONTROLLER_PORT, DATA);
    }

    @Mixin
    VerboseOption verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Option(names = "--port", defaultValue = "${bundle:port.default}", descriptionKey = "port.doc", paramLabel = "PORT")
    int port;

    @Option(names = "--controller-port", defaultValue = "${bundle:controller-port.default}",
            descriptionKey = "controller-port.doc", paramLabel = "PORT")
    int controllerPort;

    @Option(names = "--data", defaultValue = "${bundle:data.default}", descriptionKey = "data.doc", paramLabel = "DIR")
    Path data;

    @Override
    public Integer call() throws Exception {
        PORT.check(port);
        CONTROLLER_PORT.check(controllerPort);
        if (controllerPort == port) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--controller-port: " + controllerPort + " (expected another port than --port)");
        }
        EmbeddedKafka broker = EmbeddedKafka.builder().port(port).controllerPort(controllerPort)
                .dataDir(data.toAbsolutePath()).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "spritestream-broker-stop"));
        out().println("Kafka broker (KRaft, single node) listening on " + broker.bootstrapServers()
                + "; data in " + data.toAbsolutePath() + ". Ctrl-C to stop.");
        out().println("Try: java -jar loader/target/spritestream-loader.jar produce --dataset demo --synthetic 20000"
                + (broker.bootstrapServers().equals(KafkaSettings.DEFAULT_BOOTSTRAP) ? ""
                : " --bootstrap " + broker.bootstrapServers()));
        stopped.await();
        return 0;
    }
}
