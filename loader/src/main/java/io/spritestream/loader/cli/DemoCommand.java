package io.spritestream.loader.cli;

import ai.djl.engine.Engine;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.ConsoleProgress;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.config.Setting;
import io.spritestream.kafka.KafkaSettings;
import ai.djl.Device;
import io.spritestream.loader.cache.CacheCatalog;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.export.ContactSheet;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.metrics.LoaderMetrics;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.train.EpochResult;
import io.spritestream.loader.train.SpriteDataset;
import io.spritestream.loader.train.SpriteTrainer;
import io.spritestream.loader.train.TrainingReport;
import io.spritestream.metrics.MetricsServer;
import io.spritestream.producer.ProduceListener;
import java.nio.file.Path;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.ProduceResult;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.metrics.ProducerMetrics;
import io.spritestream.producer.source.SyntheticSprites;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code demo}: the whole path on an embedded broker, with no setup. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.Demo.NAME,
        description = {"Starts an embedded Kafka broker, produces a synthetic sprite dataset, loads it for "
                + "two epochs into zero-copy DJL batches, writes a contact sheet PNG of the first batch, trains a "
                + "small CNN for a few steps with EasyTrain, and prints the throughput. Needs nothing but Java."})
public final class DemoCommand implements Callable<Integer> {

    static final Setting<Integer> SPRITES = Setting.integer("sprites", 20000, 1, Integer.MAX_VALUE, "Sprites to produce");
    /** The loader's epochs, with the demo's default. */
    static final Setting<Integer> EPOCHS = LoaderSettings.EPOCHS.withDefault(2);
    static final Setting<Integer> TRAIN_STEPS = Setting.integer("train-steps", 200, 0, Integer.MAX_VALUE, "Training steps");
    static final Setting<Path> PREVIEW = Setting.path("preview", "spritestream-demo-preview.png",
            "Where to write the contact sheet of the first batch");

    static final Setting<Integer> PORT = Setting.integer("port", 0, 0, 65535,
            "The embedded broker's client port, on 127.0.0.1; 0: a free one");
    static final Setting<Integer> CONTROLLER_PORT = BrokerCommand.CONTROLLER_PORT;

    /** Every declared setting of its own (its sprites' are {@link SyntheticSprites}'). */
    static List<Setting<?>> declared() {
        return List.of(SPRITES, EPOCHS, TRAIN_STEPS, PREVIEW, LoaderSettings.THREADS, PORT, CONTROLLER_PORT);
    }

    /** The commands the demo suggests when it is done (each runs from the repository root). */
    static final java.util.List<String> NEXT_STEPS = java.util.List.of(
            "java -jar loader/target/spritestream-loader.jar broker                   # a local broker on 127.0.0.1:9092",
            "java -jar loader/target/spritestream-loader.jar produce --dataset mine --synthetic 50000 --size 64",
            "java -jar loader/target/spritestream-loader.jar produce --dataset icons --dir ./icons",
            "java -jar loader/target/spritestream-loader.jar load --dataset mine --size 64 --epochs 3 --report-json r.json",
            "java -jar loader/target/spritestream-loader.jar train --dataset mine --epochs 3 --save-model model/",
            "java -jar loader/target/spritestream-loader.jar evaluate --model model/ --validation --confusion-png confusion.png",
            "java -jar loader/target/spritestream-loader.jar preview --dataset mine --labels --output batch.png",
            "java -jar loader/target/spritestream-loader.jar load --dataset mine --epochs 100 --metrics-port 9400",
            "docker compose -f docker/compose.yaml up     # Kafka, producer, loader, Prometheus and Grafana");


    @Mixin
    VerboseOption verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Option(names = "--sprites", defaultValue = "${bundle:sprites.default}", descriptionKey = "sprites.doc", paramLabel = "N")
    int sprites;

    @Option(names = "--classes", defaultValue = "${bundle:classes.default}", descriptionKey = "classes.doc", paramLabel = "K")
    int classes;

    @Option(names = "--size", defaultValue = "${bundle:size.default}", descriptionKey = "size.doc", paramLabel = "PX")
    int size;

    @Option(names = "--epochs", defaultValue = "${bundle:epochs.default}", paramLabel = "E",
            description = "Epochs to load (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--train-steps", defaultValue = "${bundle:train-steps.default}", descriptionKey = "train-steps.doc",
            paramLabel = "N")
    int trainSteps;

    @Option(names = "--threads", descriptionKey = "threads.doc", paramLabel = "N")
    Integer threads;

    @Mixin
    MetricsOptions metrics;

    @Option(names = "--preview", defaultValue = "${bundle:preview.default}", descriptionKey = "preview.doc",
            paramLabel = "FILE")
    Path preview;

    @Option(names = "--port", defaultValue = "${bundle:port.default}", descriptionKey = "port.doc", paramLabel = "PORT")
    int port;

    @Option(names = "--controller-port", defaultValue = "${bundle:controller-port.default}",
            descriptionKey = "controller-port.doc", paramLabel = "PORT")
    int controllerPort;

    @Override
    public Integer call() throws Exception {
        SPRITES.check(sprites);
        TRAIN_STEPS.check(trainSteps);
        PORT.check(port);
        CONTROLLER_PORT.check(controllerPort);
        if (port != 0 && controllerPort == port) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--controller-port: " + controllerPort + " (expected another port than --port)");
        }
        int decodeThreads = threads != null ? threads : LoaderSettings.THREADS.defaultValue();
        long began = System.nanoTime();
        try (MetricsServer server = metrics.start(out())) {
            run(server, decodeThreads, began);
        }
        out().printf(Locale.ROOT, "done in %.1f s.%n%n", since(began));
        out().println("Next:");
        NEXT_STEPS.forEach(line -> out().println("  " + line));
        return 0;
    }

    private void run(MetricsServer server, int decodeThreads, long began) throws Exception {
        RunObservers loaderMetrics = LoaderMetrics.observers(server);
        ProduceListener producerMetrics = server == null ? ProduceListener.NONE : new ProducerMetrics(server.registry());
        out().println("1/4 starting an embedded Kafka broker (KRaft) ...");
        // The broker's topics go with it, so does their decoded-sample cache.
        Path cache = java.nio.file.Files.createTempDirectory("spritestream-demo-cache-");
        try (EmbeddedKafka broker = EmbeddedKafka.builder().port(port).controllerPort(controllerPort).start()) {
            out().printf(Locale.ROOT, "    broker at %s (%.1f s)%n", broker.bootstrapServers(), since(began));
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());

            out().printf(Locale.ROOT, "2/4 producing %d synthetic %dx%d sprites of %d classes to dataset 'demo' ...%n",
                    sprites, size, size, classes);
            SyntheticSprites source = new SyntheticSprites(sprites, classes, size, SyntheticSprites.SEED.defaultValue());
            ProduceResult produced;
            try (ProgressBar bar = ConsoleProgress.bar("produce", source.size(), "records")) {
                produced = new SpriteProducer(kafka, producerMetrics).produce(source, ProduceRequest.of("demo"), bar::stepTo);
            }
            out().println("    " + produced.summary());

            out().printf(Locale.ROOT, "3/4 loading demo@%d for %d epochs with %d decode threads ...%n",
                    produced.manifest().version(), epochs, decodeThreads);
            LoaderSettings load = LoaderConfig.dataset(DatasetRef.parse("demo")).epochs(epochs).threads(decodeThreads).cache(cache)
                    .conclude();
            RunReport report = new LoadRun(load, kafka).observers(loaderMetrics).run();
            out().println("    " + report.summary());

            Path sheet = preview.toAbsolutePath();
            PreviewCommand.write(LoaderConfig.dataset(DatasetRef.parse("demo")).maxBatches(1).cache(cache)
                    .pixels(new PixelSpec(size, size, 4, Fit.PAD)).threads(decodeThreads).conclude(),
                    kafka, new ContactSheet.Layout(8, 0, 2, true, true), sheet);
            out().println("    preview of the first batch: " + sheet);
            out().printf(Locale.ROOT, "4/4 training a small CNN for %d steps on the stream with EasyTrain, 10%% held out "
                            + "for validation (DJL %s, %s engine, CPU) ...%n",
                    trainSteps, Engine.getDjlVersion(), Engine.getInstance().getEngineName());
            train(kafka, decodeThreads, loaderMetrics, cache);
        } finally {
            CacheCatalog.delete(cache);
        }
    }

    /** Step 4: EasyTrain on a 90/10 split of the stream, for at most {@code trainSteps} training batches. */
    private void train(KafkaSettings kafka, int decodeThreads, RunObservers observers, Path cache) throws Exception {
        if (trainSteps == 0) {
            return;
        }
        LoaderSettings config = LoaderConfig.dataset(DatasetRef.parse("demo")).threads(decodeThreads).cache(cache)
                .pixels(new PixelSpec(size, size, 4, Fit.PAD)).conclude();
        double held = KeySplit.VALIDATION_FRACTION.defaultValue();
        try (SpriteDataset train = SpriteDataset.builder(config.toConfig().maxBatches(trainSteps), kafka)
                     .observers(observers).split(KeySplit.train(held)).device(Device.cpu()).build();
             SpriteDataset validation = SpriteDataset.builder(config, kafka)
                     .observers(observers).split(KeySplit.validation(held)).device(Device.cpu()).build()) {
            train.prepare();
            validation.prepare();
            SpriteTrainer.seed(42);
            try (SpriteTrainer trainer = new SpriteTrainer(train.classes().size(), config.pixels(), config.batchSize(),
                    Device.cpu(), SpriteTrainer.LEARNING_RATE.defaultValue())) {
                TrainingReport report = trainer.fit(train, validation, 1, null);
                EpochResult r = report.history().get(0);
                out().printf(Locale.ROOT, "    %d training steps in %.1f s: train loss %.3f accuracy %.3f; validation accuracy %.3f"
                                + " on %d held-out sprites%n", train.lastPass().batches(), train.lastPass().seconds(),
                        r.trainLoss(), r.trainAccuracy(), r.validationAccuracy(), r.validationSamples());
                out().printf(Locale.ROOT, "    %.0f samples/s including the model's work; the training loop waited for data"
                        + " %.1f%% of the time%n", r.samplesPerSecond(), 100 * r.trainerWaitRatio());
            }
        }
    }

    private static double since(long began) {
        return (System.nanoTime() - began) / 1e9;
    }
}
