package io.spritestream.loader.cli;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.ConsoleProgress;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.metrics.LoaderMetrics;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.train.SpriteTrainer;
import io.spritestream.metrics.MetricsServer;
import io.spritestream.metrics.ProducerMetrics;
import io.spritestream.producer.ProduceListener;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.ProduceResult;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.source.SyntheticSprites;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code demo}: the whole path on an embedded broker, with no setup. */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Starts an embedded Kafka broker, produces a synthetic sprite dataset, loads it for "
                + "two epochs into zero-copy DJL batches, runs a few training steps of a small CNN, and prints "
                + "the throughput. Needs nothing but Java."})
public final class DemoCommand implements Callable<Integer> {

    @Mixin
    VerboseOption verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Option(names = "--sprites", defaultValue = "20000", paramLabel = "N", description = "Sprites to produce (default: ${DEFAULT-VALUE}).")
    int sprites;

    @Option(names = "--classes", defaultValue = "8", paramLabel = "K", description = "Classes (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--size", defaultValue = "32", paramLabel = "PX", description = "Sprite size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--epochs", defaultValue = "2", paramLabel = "E", description = "Epochs to load (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--train-steps", defaultValue = "200", paramLabel = "N", description = "Training steps (default: ${DEFAULT-VALUE}).")
    int trainSteps;

    @Option(names = "--threads", paramLabel = "N", description = "Decode threads (default: the number of cores).")
    Integer threads;

    @Mixin
    MetricsOptions metrics;

    @Override
    public Integer call() throws Exception {
        if (trainSteps < 0) {
            throw new IllegalArgumentException("--train-steps: " + trainSteps + " (expected >= 0)");
        }
        int decodeThreads = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        long began = System.nanoTime();
        try (MetricsServer server = metrics.start(out())) {
            run(server, decodeThreads, began);
        }
        out().printf(Locale.ROOT, "done in %.1f s.%n%n", since(began));
        out().println("Next:");
        out().println("  java -jar loader/target/spritestream-loader.jar broker                   # a local broker on 127.0.0.1:9092");
        out().println("  java -jar loader/target/spritestream-loader.jar produce --dataset mine --synthetic 50000 --size 64");
        out().println("  java -jar loader/target/spritestream-loader.jar produce --dataset icons --dir ./icons");
        out().println("  java -jar loader/target/spritestream-loader.jar load --dataset mine --size 64 --epochs 3 --report-json r.json");
        out().println("  java -jar loader/target/spritestream-loader.jar load --dataset mine --max-batches 10 --export-npy out/");
        out().println("  java -jar loader/target/spritestream-loader.jar load --dataset mine --epochs 100 --metrics-port 9400");
        out().println("  docker compose -f docker/compose.yaml up     # Kafka, producer, loader, Prometheus and Grafana");
        return 0;
    }

    private void run(MetricsServer server, int decodeThreads, long began) throws Exception {
        LoaderListener loaderMetrics = LoaderMetrics.listener(server);
        ProduceListener producerMetrics = server == null ? ProduceListener.NONE : new ProducerMetrics(server.registry());
        out().println("1/4 starting an embedded Kafka broker (KRaft) ...");
        try (EmbeddedKafka broker = EmbeddedKafka.start()) {
            out().printf(Locale.ROOT, "    broker at %s (%.1f s)%n", broker.bootstrapServers(), since(began));
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());

            out().printf(Locale.ROOT, "2/4 producing %d synthetic %dx%d sprites of %d classes to dataset 'demo' ...%n",
                    sprites, size, size, classes);
            SyntheticSprites source = new SyntheticSprites(sprites, classes, size, 7);
            ProduceResult produced;
            try (ProgressBar bar = ConsoleProgress.bar("produce", source.size(), "sprites")) {
                produced = new SpriteProducer(kafka, producerMetrics).produce(source, ProduceRequest.of("demo"), bar::stepTo);
            }
            out().println("    " + produced.summary());

            out().printf(Locale.ROOT, "3/4 loading demo@%d for %d epochs with %d decode threads ...%n",
                    produced.manifest().version(), epochs, decodeThreads);
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                LoaderConfig load = LoaderConfig.dataset(DatasetRef.parse("demo")).epochs(epochs).threads(decodeThreads)
                        .batchSize(64);
                RunReport report = new LoadRun(load, kafka, manager).listener(loaderMetrics).run();
                out().println("    " + report.summary());

                out().printf(Locale.ROOT, "4/4 training a small CNN for %d steps on the stream (DJL %s, %s engine) ...%n",
                        trainSteps, Engine.getDjlVersion(), Engine.getInstance().getEngineName());
                train(kafka, manager, decodeThreads, loaderMetrics);
            }
        }
    }

    private void train(KafkaSettings kafka, NDManager manager, int decodeThreads, LoaderListener listener)
            throws InterruptedException {
        if (trainSteps == 0) {
            return;
        }
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse("demo")).epochs(1_000).threads(decodeThreads)
                .batchSize(64).maxBatches(trainSteps).listener(listener);
        long began = System.nanoTime();
        try (SpriteLoader loader = SpriteLoader.open(config, kafka, manager);
             SpriteTrainer trainer = new SpriteTrainer(Math.max(classes, loader.classes().size()), 4, size, size, 64, 2e-3f)) {
            double lossSum = 0;
            long correct = 0;
            long seen = 0;
            int step = 0;
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    SpriteTrainer.StepResult r = trainer.step(batch);
                    step++;
                    lossSum += r.loss();
                    correct += r.correct();
                    seen += r.samples();
                    if (step % 50 == 0 || step == trainSteps) {
                        out().printf(Locale.ROOT, "    step %4d  loss %.3f  accuracy %.3f (last %d steps)%n",
                                step, lossSum / Math.min(50, step % 50 == 0 ? 50 : step % 50), (double) correct / seen,
                                step % 50 == 0 ? 50 : step % 50);
                        lossSum = 0;
                        correct = 0;
                        seen = 0;
                    }
                }
            }
            double seconds = since(began);
            out().printf(Locale.ROOT, "    %d training steps in %.1f s (%.0f samples/s including the model's work)%n",
                    step, seconds, step * 64 / seconds);
        }
    }

    private static double since(long began) {
        return (System.nanoTime() - began) / 1e9;
    }
}
