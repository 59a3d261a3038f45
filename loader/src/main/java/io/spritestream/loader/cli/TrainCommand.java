package io.spritestream.loader.cli;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.train.Checkpoint;
import io.spritestream.loader.train.Checkpoints;
import io.spritestream.loader.train.TrainRecipe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.ConsoleProgress;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.cli.VerboseOption;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.loader.metrics.LoaderMetrics;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.StartupTimeline;
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
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.Train.NAME,
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

    @Option(names = "--dataset", paramLabel = "NAME[@V]",
            description = "The dataset version to train on (default version: the latest); not with --resume.")
    String dataset;

    @Option(names = "--batch", defaultValue = "${bundle:batch.default}", descriptionKey = "batch.doc", paramLabel = "B")
    int batch;

    @Mixin
    PixelOptions pixels;

    @Option(names = "--epochs", paramLabel = "E",
            description = "Epochs in all (default: ${bundle:epochs.default}; with --resume, the resumed run's, counting "
                    + "those already done).")
    Integer epochs;

    @Option(names = "--validation-fraction", defaultValue = "${bundle:validation-fraction.default}",
            descriptionKey = "validation-fraction.doc", paramLabel = "F")
    double validationFraction;

    @Option(names = "--device", defaultValue = "${bundle:device.default}", descriptionKey = "device.doc",
            paramLabel = "DEVICE")
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
            description = "Save the trained parameters, synset.txt (class names) and spritestream-input.json there "
                    + "(with --resume: the resumed run's folder unless given).")
    Path saveModel;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "Write a checkpoint (parameters, the data order's position, the history) after every epoch, "
                    + "and when stopped by SIGINT or SIGTERM, into DIR, keeping the newest --keep-checkpoints "
                    + "(default: <--save-model>/checkpoints, or the resumed run's folder).")
    Path checkpointDir;

    @Option(names = "--keep-checkpoints", defaultValue = "${bundle:keep-checkpoints.default}",
            descriptionKey = "keep-checkpoints.doc", paramLabel = "N")
    int keepCheckpoints;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run checkpointed in DIR (a checkpoint, a --checkpoint-dir or a --save-model "
                    + "folder) after its last checkpoint, with the data order the uninterrupted run would have had; "
                    + "dataset, samples, split, seed, normalisation, augmentation and learning rate are the run's; so are "
                    + "--bootstrap, --kafka-config and --save-model unless given.")
    Path resume;

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

    /** Options that say what the run is: a resumed run takes them from its checkpoint. */
    private static final List<String> DEFINING = List.of("--dataset", "--batch", "--size", "--channels", "--fit",
            "--validation-fraction", "--seed", "--no-shuffle", "--learning-rate", "--mean", "--std", "--augment");

    @Override
    public Integer call() throws Exception {
        StartupTimeline.mark("command");
        Path resumedFrom = null;
        Checkpoint resumed = null;
        TrainRecipe recipe;
        if (resume != null) {
            resumedFrom = Checkpoints.latest(resume).orElseThrow(() -> new IllegalArgumentException("--resume: no "
                    + "checkpoint in " + resume + " (expected a folder written by --checkpoint-dir or --save-model)"));
            resumed = Checkpoint.read(resumedFrom);
            for (String option : DEFINING) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new IllegalArgumentException(option + ": a resumed run keeps its checkpoint's (it is part of "
                            + "what the run is; leave it out)");
                }
            }
            recipe = epochs == null ? resumed.recipe() : resumed.recipe().withEpochs(epochs);
            if (recipe.epochs() <= resumed.epochsDone()) {
                throw new IllegalArgumentException("--epochs: the run already did " + resumed.epochsDone() + " of "
                        + recipe.epochs() + " epoch(s) (ask for more, e.g. --epochs " + (resumed.epochsDone() + 3) + ")");
            }
        } else {
            if (dataset == null) {
                throw new IllegalArgumentException("--dataset: missing (expected a dataset to train on, or --resume DIR)");
            }
            recipe = freshRecipe();
        }
        SpriteTrainer.EPOCHS.check(recipe.epochs());
        KafkaSettings settings = resumed == null ? kafka.settings()
                : kafka.settings(resumed.bootstrap(), resumed.kafkaConfig() == null ? null : Path.of(resumed.kafkaConfig()),
                        "from the checkpoint resumed; --bootstrap to change it");
        Path modelDir = saveModel != null ? saveModel
                : resumed != null && resumed.modelDir() != null ? Path.of(resumed.modelDir()) : null;
        try (MetricsServer server = metrics.start(out())) {
            return train(LoaderMetrics.observers(server), recipe, resumed, resumedFrom, settings, modelDir);
        }
    }

    private TrainRecipe freshRecipe() {
        PixelSpec pixelSpec = pixels.spec();
        PixelNormalization normalization = normalization();
        if (normalization.hasMeanStd() && normalization.mean().length != pixelSpec.channels()) {
            throw new IllegalArgumentException("--mean/--std: " + normalization.mean().length + " values for "
                    + pixelSpec.channels() + " channels (expected one per channel)");
        }
        SpriteTrainer.LEARNING_RATE.check(learningRate);
        AugmentSpec spec = augment.spec() == null ? AugmentSpec.NONE : augment.spec().checkFor(pixelSpec);
        long s = seed != null ? seed : new SecureRandom().nextLong() >>> 1;
        return new TrainRecipe(dataset, batch, pixelSpec.width(), pixelSpec.height(), pixelSpec.channels(),
                pixelSpec.fit().name().toLowerCase(Locale.ROOT), validationFraction, s, !noShuffle, learningRate,
                normalization.hasMeanStd() ? normalization.mean() : null,
                normalization.hasMeanStd() ? normalization.std() : null, spec.toString(),
                epochs == null ? SpriteTrainer.EPOCHS.defaultValue() : epochs);
    }

    private int train(RunObservers observers, TrainRecipe asked, Checkpoint resumed, Path resumedFrom,
                      KafkaSettings settings, Path modelDir) throws Exception {
        PixelSpec pixelSpec = asked.pixels();
        PixelNormalization normalization = asked.normalization();
        LoaderConfig fresh = threadsAndCache(asked.config());
        LoaderConfig trainConfig = resumed == null ? fresh
                : threadsAndCache(LoaderConfig.resume(resumed.trainState()).pixels(pixelSpec));
        Device target = device.resolve();
        Path checkpointsAt = checkpointDir != null ? checkpointDir : saveModel != null ? saveModel.resolve("checkpoints")
                : resumedFrom != null ? resumedFrom.getParent() : null;
        Checkpoints checkpoints = checkpointsAt == null ? null : new Checkpoints(checkpointsAt, keepCheckpoints);
        boolean validate = asked.validationFraction() > 0;
        SpriteDataset.Builder trainData = SpriteDataset.builder(trainConfig, settings).observers(observers)
                .normalization(normalization).prefetch(prefetch).device(target);
        SpriteDataset[] stoppable = new SpriteDataset[1];
        SignalStop signal = new SignalStop("train", () -> {
            if (stoppable[0] != null) {
                stoppable[0].requestStop(); // the loop stops after the step in progress and writes its checkpoint
            }
        });
        try (SpriteDataset train = validate ? trainData.split(KeySplit.train(asked.validationFraction())).build()
                : trainData.build();
             SpriteDataset validation = validate ? SpriteDataset.builder(fresh, settings).observers(observers)
                     .normalization(normalization).prefetch(prefetch).device(target)
                     .split(KeySplit.validation(asked.validationFraction())).build() : null) {
            stoppable[0] = train;
            if (signal.requested()) {
                train.requestStop();
            }
            train.prepare();
            if (validation != null) {
                validation.prepare();
            }
            TrainRecipe recipe = asked.withDataset(train.source().manifest().map(m -> m.key()).orElse(asked.dataset()));
            int done = resumed == null ? 0 : resumed.epochsDone();
            out().printf(Locale.ROOT, "training SpriteNet on %s: %s, batch %d, %s, device %s (DJL %s, PyTorch %s)%n",
                    train.source().describe(), describeSplit(train, recipe.validationFraction()), recipe.batch(),
                    describe(pixelSpec, normalization), DeviceChoice.name(target), Engine.getDjlVersion(),
                    Engine.getEngine("PyTorch").getVersion());
            out().println((recipe.shuffle() ? "order: shuffled every epoch" : "order: offset order") + "; seed "
                    + recipe.seed() + (resumed == null ? " (the same run again: --seed " + recipe.seed() + ")" : ""));
            if (!AugmentSpec.parse(recipe.augment()).isNone()) {
                out().println("augmentation: " + recipe.augment() + (validate ? " (the training side only)" : ""));
            }
            if (resumed != null) {
                out().println("resuming " + resumedFrom + ": " + done + " of " + recipe.epochs() + " epoch(s) done"
                        + (resumed.atEpochEnd() ? "" : ", " + resumed.batchesInto() + " batch(es) into epoch "
                        + (done + 1)) + "; " + Checkpoint.OPTIMIZER_NOTE);
            }
            out().println(checkpoints == null ? "checkpoints: none (give --checkpoint-dir or --save-model to keep them)"
                    : "checkpoints: " + checkpoints.dir() + " (after every epoch; the newest " + keepCheckpoints + " kept)");
            out().flush();
            SpriteTrainer.seed(recipe.seed());
            TrainingReport report;
            try (SpriteTrainer trainer = new SpriteTrainer(train.classes().size(), pixelSpec, recipe.batch(), target,
                    recipe.learningRate(), resumed == null ? null : resumedFrom)) {
                ConsoleEpochs console = new ConsoleEpochs(recipe, trainer, train, checkpoints, resumed,
                        new RunPlace(settings.bootstrap(), absolute(kafka.configFile() != null ? kafka.configFile()
                                : resumed == null ? null : pathOrNull(resumed.kafkaConfig())), absolute(modelDir)));
                report = trainer.fit(train, validation, recipe.epochs() - done, console, done,
                        resumed == null ? List.of() : resumed.history());
                Path last = console.lastCheckpoint;
                if (report.stopped() != null && checkpoints != null && train.batchesTakenThisPass() > 0) {
                    last = console.write(report.history().size(), train.batchesTakenThisPass());
                }
                report = report.withCheckpoint(last);
                if (modelDir != null && !report.history().isEmpty()) {
                    trainer.save(modelDir, train.classes(), pixelSpec, normalization, report,
                            java.util.Map.of("dataset", recipe.dataset(), "validation_fraction", recipe.validationFraction()));
                    report = report.withModelDir(modelDir);
                }
            }
            out().println(report.summary());
            report.deadLetterLine(io.spritestream.record.SpriteRecords.deadLetterTopicFor(train.source().topic()))
                    .ifPresent(out()::println);
            if (report.stopped() != null) {
                out().println(report.checkpoint() == null
                        ? "no checkpoint: give --checkpoint-dir or --save-model to keep one"
                        : "checkpoint: " + report.checkpoint() + " (continue with: train --resume "
                        + checkpoints.dir() + ")");
            }
            if (modelDir != null && report.modelDir() != null) {
                out().println("model: " + modelDir + " (" + SpriteTrainer.MODEL_NAME + "-"
                        + String.format(Locale.ROOT, "%04d", report.epochs())
                        + ".params, synset.txt, spritestream-input.json)");
            }
            if (reporting.reportJson != null) {
                report.write(reporting.reportJson);
                out().println("report: " + reporting.reportJson);
            }
            out().flush();
            return report.stopped() == null ? 0 : 130;
        } finally {
            signal.close();
        }
    }

    /** Where a run reads and writes, kept in its checkpoints for a resume: absolute paths, or null. */
    private record RunPlace(String bootstrap, String kafkaConfig, String modelDir) {}

    private static String absolute(Path path) {
        return path == null ? null : path.toAbsolutePath().normalize().toString();
    }

    private static Path pathOrNull(String path) {
        return path == null ? null : Path.of(path);
    }

    private LoaderConfig threadsAndCache(LoaderConfig config) {
        if (threads != null) {
            config.threads(threads);
        }
        return cache.applyTo(config);
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

    private static String describeSplit(SpriteDataset train, double validationFraction) {
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

    /** A progress bar per epoch on stderr, a line per epoch on stdout, and a checkpoint after each. */
    private final class ConsoleEpochs implements EpochObserver {
        private final TrainRecipe recipe;
        private final SpriteTrainer trainer;
        private final SpriteDataset train;
        private final Checkpoints checkpoints;
        private final RunPlace place;
        private final List<EpochResult> history = new ArrayList<>();
        private ProgressBar bar;
        private boolean saidWhyNoValidation;
        Path lastCheckpoint;

        ConsoleEpochs(TrainRecipe recipe, SpriteTrainer trainer, SpriteDataset train, Checkpoints checkpoints,
                      Checkpoint resumed, RunPlace place) {
            this.recipe = recipe;
            this.place = place;
            this.trainer = trainer;
            this.train = train;
            this.checkpoints = checkpoints;
            if (resumed != null) {
                history.addAll(resumed.history());
            }
        }

        @Override
        public void epochStarted(int epoch, long expectedSamples) {
            if (!reporting.quiet) {
                bar = ConsoleProgress.bar(String.format(Locale.ROOT, "epoch %d/%d", epoch, recipe.epochs()),
                        expectedSamples, "sprites");
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
            history.add(result);
            out().println(result.summary(recipe.epochs()));
            if (result.noValidation() != null && !saidWhyNoValidation) {
                out().println("validation: no samples (" + result.noValidation() + ")");
                saidWhyNoValidation = true;
            }
            out().flush();
            if (checkpoints != null) {
                try {
                    write(result.epoch(), 0);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot write a checkpoint in " + checkpoints.dir() + ": "
                            + e.getMessage(), e);
                }
            }
        }

        /** A checkpoint of the run as it stands: {@code epochsDone} whole epochs and {@code batchesInto} the next. */
        Path write(int epochsDone, long batchesInto) throws IOException {
            Checkpoint checkpoint = new Checkpoint(Checkpoint.FORMAT, epochsDone, batchesInto, recipe, place.bootstrap(),
                    place.kafkaConfig(), place.modelDir(), Checkpoint.OPTIMIZER_NOTE, train.positionAfterTaken(), history, java.time.Instant.now().toString());
            lastCheckpoint = checkpoints.write(checkpoint, trainer, train.classes(), recipe.pixels(),
                    recipe.normalization());
            return lastCheckpoint;
        }
    }
}
