package io.spritestream.loader.cli;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.ConsoleProgress;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.loader.metrics.LoaderMetrics;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.metrics.MetricsServer;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.train.DeviceChoice;
import io.spritestream.loader.train.EpochObserver;
import io.spritestream.loader.train.EpochResult;
import io.spritestream.loader.train.PixelNormalization;
import io.spritestream.loader.train.SpriteDataset;
import io.spritestream.loader.train.SpriteTrainer;
import io.spritestream.loader.train.TrainingReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code train}: trains SpriteNet on a dataset streamed from Kafka, with DJL's EasyTrain. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.NAME,
        description = {"Trains SpriteNet, a small CNN (3x3 convolutions of 16 and 32 filters, each with ReLU and "
                + "2x2 max-pooling, a 64-unit hidden layer, one output per class), on a dataset streamed from Kafka: "
                + "DJL's EasyTrain over a Dataset of the loader's batches, a train/validation split by key hash, the "
                + "uint8 batches normalised on the training device. Prints loss and accuracy per epoch, the "
                + "throughput and how long the training loop waited for data."},
        footer = {"", "Examples:",
                "  train --dataset demo --epochs 3 --report-json train.json",
                "  train --dataset icons@2 --size 64 --device gpu --save-model models/icons",
                "  train --dataset demo --mean 0.5,0.5,0.5,0.5 --std 0.25,0.25,0.25,0.25"})
public final class TrainCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    VerboseOption verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "NAME[@V]",
            description = "The dataset version to train on (default version: the latest).")
    String dataset;

    @Option(names = "--batch", defaultValue = "${bundle:batch.default}", descriptionKey = "batch.doc", paramLabel = "B")
    int batch;

    @Mixin
    PixelOptions pixels;

    @Option(names = "--epochs", defaultValue = "3", paramLabel = "E", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--validation-fraction", defaultValue = "${bundle:validation-fraction.default}",
            descriptionKey = "validation-fraction.doc", paramLabel = "F")
    double validationFraction;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE",
            description = "auto, cpu or gpu; auto takes the first GPU the PyTorch engine sees (default: ${DEFAULT-VALUE}).")
    DeviceChoice device;

    @Option(names = "--learning-rate", defaultValue = "${bundle:learning-rate.default}",
            descriptionKey = "learning-rate.doc", paramLabel = "LR")
    float learningRate;

    @Option(names = "--mean", split = ",", paramLabel = "M",
            description = "Per-channel means subtracted after scaling to [0, 1], e.g. 0.5,0.5,0.5,0.5 (with --std).")
    float[] mean;

    @Option(names = "--std", split = ",", paramLabel = "S",
            description = "Per-channel standard deviations divided by after subtracting --mean.")
    float[] std;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the sample order and of the network's initial weights: the same seed, the same run "
                    + "(default: a random seed, printed).")
    Long seed;

    @Option(names = "--no-shuffle", description = "Offset order every epoch instead of a new shuffle each epoch.")
    boolean noShuffle;

    @Option(names = "--threads", descriptionKey = "threads.doc", paramLabel = "N")
    Integer threads;

    @Option(names = "--prefetch", defaultValue = "${bundle:prefetch.default}", descriptionKey = "prefetch.doc",
            paramLabel = "N")
    int prefetch;

    @Option(names = "--save-model", paramLabel = "DIR",
            description = "Save the trained parameters, synset.txt (class names) and spritestream-input.json there.")
    Path saveModel;

    @Mixin
    CacheOptions cache;

    @Mixin
    AugmentOptions augment;

    @Mixin
    ReportOptions reporting;

    @Mixin
    MetricsOptions metrics;

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @Override
    public Integer call() throws Exception {
        PixelSpec pixelSpec = pixels.spec();
        PixelNormalization normalization = normalization();
        if (normalization.hasMeanStd() && normalization.mean().length != pixelSpec.channels()) {
            throw new IllegalArgumentException("--mean/--std: " + normalization.mean().length + " values for "
                    + pixelSpec.channels() + " channels (expected one per channel)");
        }
        if (epochs < 1 || epochs > SpriteDataset.MAX_PASSES) {
            throw new IllegalArgumentException("--epochs: " + epochs + " (expected 1.." + SpriteDataset.MAX_PASSES + ")");
        }
        SpriteTrainer.LEARNING_RATE.check(learningRate);
        try (MetricsServer server = metrics.start(out())) {
            return train(LoaderMetrics.listener(server), pixelSpec, normalization);
        }
    }

    private int train(LoaderListener listener, PixelSpec pixelSpec, PixelNormalization normalization) throws Exception {
        long s = seed != null ? seed : new SecureRandom().nextLong() >>> 1;
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse(dataset)).batchSize(batch).pixels(pixelSpec)
                .order(noShuffle ? OrderSpec.inOffsetOrder() : OrderSpec.shuffled(s));
        if (threads != null) {
            config.threads(threads);
        }
        cache.applyTo(config);
        augment.applyTo(config);
        Device target = device.resolve();
        SpriteDataset.Builder data = SpriteDataset.builder(config, kafka.settings()).listener(listener)
                .normalization(normalization).prefetch(prefetch).device(target);
        boolean validate = validationFraction > 0;
        SpriteDataset.Split split = validate ? SpriteDataset.split(data, validationFraction) : null;
        try (SpriteDataset train = validate ? split.train() : data.build();
             SpriteDataset validation = validate ? split.validation() : null) {
            train.prepare();
            if (validation != null) {
                validation.prepare();
            }
            out().printf(Locale.ROOT, "training SpriteNet on %s: %s, batch %d, %s, device %s (DJL %s, PyTorch %s)%n",
                    train.source().describe(), describeSplit(train), batch, describe(pixelSpec, normalization),
                    DeviceChoice.name(target), Engine.getDjlVersion(), Engine.getEngine("PyTorch").getVersion());
            out().println((noShuffle ? "order: offset order" : "order: shuffled every epoch") + "; seed " + s
                    + " (the same run again: --seed " + s + ")");
            if (augment.spec() != null && !augment.spec().isNone()) {
                out().println("augmentation: " + augment.spec() + (validate ? " (the training side only)" : ""));
            }
            out().flush();
            SpriteTrainer.seed(s);
            TrainingReport report;
            try (SpriteTrainer trainer = new SpriteTrainer(train.classes().size(), pixelSpec, batch, target, learningRate)) {
                report = trainer.fit(train, validation, epochs, new ConsoleEpochs());
                if (saveModel != null) {
                    trainer.save(saveModel, train.classes(), pixelSpec, normalization, report);
                    report = report.withModelDir(saveModel);
                }
            }
            out().println(report.summary());
            if (saveModel != null) {
                out().println("model: " + saveModel + " (" + SpriteTrainer.MODEL_NAME + "-"
                        + String.format(Locale.ROOT, "%04d", epochs) + ".params, synset.txt, spritestream-input.json)");
            }
            if (reporting.reportJson != null) {
                report.write(reporting.reportJson);
                out().println("report: " + reporting.reportJson);
            }
        }
        return 0;
    }

    private PixelNormalization normalization() {
        if (mean == null && std == null) {
            return PixelNormalization.scaleOnly();
        }
        if (mean == null || std == null) {
            throw new IllegalArgumentException((mean == null ? "--std" : "--mean") + ": given alone (expected --mean and --std together)");
        }
        return PixelNormalization.meanStd(mean, std);
    }

    private String describeSplit(SpriteDataset train) {
        if (validationFraction <= 0) {
            return "no validation";
        }
        long records = train.source().records();
        return String.format(Locale.ROOT, "about %d train / %d validation samples (%s of the keys held out by hash)",
                Math.round(records * (1 - validationFraction)), Math.round(records * validationFraction),
                validationFraction);
    }

    private static String describe(PixelSpec p, PixelNormalization n) {
        return String.format(Locale.ROOT, "%dx%dx%d uint8 -> float [B,%d,%d,%d] %s", p.width(), p.height(), p.channels(),
                p.channels(), p.height(), p.width(), n.describe());
    }

    /** A progress bar per epoch on stderr and a line per epoch on stdout. */
    private final class ConsoleEpochs implements EpochObserver {
        private ProgressBar bar;

        @Override
        public void epochStarted(int epoch, long expectedSamples) {
            if (!reporting.quiet) {
                bar = ConsoleProgress.bar(String.format(Locale.ROOT, "epoch %d/%d", epoch, epochs), expectedSamples,
                        "sprites");
            }
        }

        @Override
        public void trainingBatch(int epoch, int samples) {
            if (bar != null) {
                bar.stepBy(samples);
            }
        }

        @Override
        public void epochFinished(EpochResult result) {
            if (bar != null) {
                bar.maxHint(result.trainSamples());
                bar.close();
                bar = null;
            }
            out().println(result.summary(epochs));
            out().flush();
        }
    }
}
