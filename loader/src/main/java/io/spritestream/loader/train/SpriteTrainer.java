package io.spritestream.loader.train;

import io.spritestream.config.Setting;
import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.DivergenceCheckTrainingListener;
import ai.djl.training.listener.EvaluatorTrainingListener;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.listener.TrainingListenerAdapter;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.spritestream.loader.decode.PixelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains {@link SpriteNet} on {@link SpriteDataset}s with DJL's own {@code EasyTrain.fit}: softmax
 * cross-entropy, Adam, accuracy as the evaluator, on the CPU or a GPU. Reports each epoch's loss and
 * accuracy (training and validation), throughput and how long the loop waited for batches.
 *
 * <p>Single-threaded: the thread that calls {@link #fit} is the training loop.
 */
public final class SpriteTrainer implements AutoCloseable {

    /** Adam's learning rate. */
    public static final Setting<Float> LEARNING_RATE = Setting.of("learning-rate", Float.class, 0.002f, "0.002",
            v -> v != null && v > 0 && !v.isInfinite(), "> 0", "Adam's learning rate");
    /**
     * Epochs of a training run, in all: 3 unless told, at most the passes a {@link SpriteDataset} reads
     * ({@link SpriteDataset#MAX_PASSES}).
     */
    public static final Setting<Integer> EPOCHS = Setting.integer("epochs", 3, 1, SpriteDataset.MAX_PASSES,
            "Epochs in all");

    /** The name of the saved parameters ({@code spritenet-NNNN.params}). */
    public static final String MODEL_NAME = "spritenet";

    private final Model model;
    private final Trainer trainer;
    private final Device device;
    private final Accuracy accuracy = new Accuracy();
    private final EvaluatorTrainingListener evaluations = new EvaluatorTrainingListener();
    private final EpochReporter reporter = new EpochReporter();
    private final int classes;

    /**
     * @param classes      outputs of the network
     * @param pixels       what the loader delivers (the network takes its channels)
     * @param batchSize    the batch size (for the network's initialisation)
     * @param device       where to train
     * @param learningRate Adam's learning rate
     */
    public SpriteTrainer(int classes, PixelSpec pixels, int batchSize, Device device, float learningRate) {
        this(classes, pixels, batchSize, device, learningRate, null);
    }

    /**
     * A trainer whose network starts from the parameters saved in {@code parameters} (a checkpoint's or
     * a saved model's folder), or from a fresh initialisation if null.
     */
    public SpriteTrainer(int classes, PixelSpec pixels, int batchSize, Device device, float learningRate,
                         Path parameters) {
        if (classes < 1) {
            throw new IllegalArgumentException("classes: " + classes + " (expected >= 1)");
        }
        LEARNING_RATE.check(learningRate);
        this.classes = classes;
        this.device = device;
        this.model = Model.newInstance(MODEL_NAME, device, "PyTorch");
        model.setBlock(SpriteNet.build(classes));
        if (parameters != null) {
            // Before the trainer: its initialisation keeps parameters that have values, and makes them trainable.
            try {
                model.load(parameters, MODEL_NAME);
            } catch (IOException | ai.djl.MalformedModelException e) {
                model.close();
                throw new java.io.UncheckedIOException(new IOException("cannot read the parameters in " + parameters
                        + ": " + e.getMessage(), e));
            }
        }
        DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .addEvaluator(accuracy)
                .optDevices(new Device[] {device})
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build())
                .addTrainingListeners(evaluations, new DivergenceCheckTrainingListener(), reporter);
        this.trainer = model.newTrainer(config);
        trainer.initialize(new Shape(batchSize, pixels.channels(), pixels.height(), pixels.width()));
    }

    /** Seeds the engine's random numbers (the network's initial weights); call before construction. */
    public static void seed(long seed) {
        Engine.getEngine("PyTorch").setRandomSeed((int) (seed ^ seed >>> 32));
    }

    public Model model() {
        return model;
    }

    /**
     * {@code EasyTrain.fit(trainer, epochs, train, validation)}, followed epoch by epoch.
     *
     * @param validation may be null (no validation)
     */
    public TrainingReport fit(SpriteDataset train, SpriteDataset validation, int epochs, EpochObserver observer)
            throws IOException, TranslateException {
        return fit(train, validation, epochs, observer, 0, List.of());
    }

    /**
     * Trains {@code epochs} more epochs after {@code epochsDone} already done (a resumed run: the
     * datasets continue where it stood; {@code earlier} is its history, which the report carries on).
     * A {@linkplain SpriteDataset#requestStop() stop} ends the training after the step in progress:
     * the report then says where it stopped, and covers the whole epochs done.
     */
    public TrainingReport fit(SpriteDataset train, SpriteDataset validation, int epochs, EpochObserver observer,
                              int epochsDone, List<EpochResult> earlier) throws IOException, TranslateException {
        EPOCHS.check(epochs);
        reporter.begin(train, validation, epochsDone, epochsDone + epochs, earlier,
                observer == null ? new EpochObserver() { } : observer);
        long began = System.nanoTime();
        String stopped = null;
        try {
            EasyTrain.fit(trainer, epochs, train, validation);
        } catch (TrainingStopped s) {
            stopped = "stopped in epoch " + (reporter.epoch) + " after " + s.batches() + " batch(es)";
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        List<EpochResult> history = List.copyOf(reporter.history);
        EpochResult last = history.isEmpty() ? null : history.get(history.size() - 1);
        long trainSamples = reporter.history.stream().skip(earlier.size()).mapToLong(EpochResult::trainSamples).sum();
        long validationSamples = reporter.history.stream().skip(earlier.size())
                .mapToLong(EpochResult::validationSamples).sum();
        double trainSeconds = reporter.trainPassNanos / 1e9;
        double waitRatio = seconds > 0 ? reporter.waitNanos / 1e9 / seconds : 0;
        String dataset = train.source().manifest().map(m -> m.key()).orElse(train.source().topic());
        Map<String, Long> deadLetters = Map.copyOf(reporter.deadLetters);
        return new TrainingReport(history.size(), last == null ? 0 : last.trainAccuracy(),
                last == null ? null : last.validationAccuracy(), last == null ? 0 : last.trainLoss(),
                last == null ? null : last.validationLoss(), last == null ? null : last.noValidation(),
                trainSeconds > 0 ? trainSamples / trainSeconds : 0,
                waitRatio, seconds, trainSamples, validationSamples,
                deadLetters.values().stream().mapToLong(Long::longValue).sum(), deadLetters, DeviceChoice.name(device),
                dataset, train.classes(),
                null, stopped, null, io.spritestream.loader.pipeline.StartupTimeline.seconds(), history);
    }

    /**
     * Saves the parameters ({@code spritenet-NNNN.params}, NNNN the epochs trained), the class names
     * ({@code synset.txt}, one a line, a label id is a line number from 0) and what the network
     * expects as input ({@code spritestream-input.json}).
     */
    public void save(Path dir, List<String> classNames, PixelSpec pixels, PixelNormalization normalization,
                     TrainingReport report) throws IOException {
        save(dir, classNames, pixels, normalization, report, Map.of());
    }

    /**
     * {@link #save(Path, List, PixelSpec, PixelNormalization, TrainingReport)}, with what the model was
     * trained on ({@code dataset}, {@code validation_fraction}: {@code evaluate --validation} reads them)
     * added to {@code spritestream-input.json}.
     */
    public void save(Path dir, List<String> classNames, PixelSpec pixels, PixelNormalization normalization,
                     TrainingReport report, Map<String, Object> trainedOn) throws IOException {
        model.setProperty("TrainAccuracy", Double.toString(report.trainAccuracy()));
        if (report.validationAccuracy() != null) {
            model.setProperty("ValidationAccuracy", Double.toString(report.validationAccuracy()));
        }
        saveModel(dir, classNames, pixels, normalization, report.epochs(), trainedOn);
    }

    /** {@link #save} without a report: {@code epochs} names the parameters file. */
    void saveModel(Path dir, List<String> classNames, PixelSpec pixels, PixelNormalization normalization, int epochs,
                   Map<String, Object> trainedOn) throws IOException {
        Files.createDirectories(dir);
        model.setProperty("Epoch", Integer.toString(epochs));
        model.save(dir, MODEL_NAME);
        Files.write(dir.resolve("synset.txt"), classNames);
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("network", "SpriteNet");
        input.put("classes", classes);
        input.put("width", pixels.width());
        input.put("height", pixels.height());
        input.put("channels", pixels.channels());
        input.put("fit", pixels.fit().name().toLowerCase(java.util.Locale.ROOT));
        input.put("input", "float [B, C, H, W] = normalisation of the loader's uint8 [B, H, W, C]");
        input.put("normalization", normalization.describe());
        if (normalization.hasMeanStd()) {
            input.put("mean", normalization.mean());
            input.put("std", normalization.std());
        }
        input.putAll(trainedOn);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(dir.resolve("spritestream-input.json").toFile(), input);
    }

    @Override
    public void close() {
        try {
            trainer.close();
        } finally {
            model.close();
        }
    }

    /**
     * Why a validation pass had no sample: every record it held out is a dead letter, or the split
     * held no key out (a small dataset, a small fraction) of the version's {@code records}.
     */
    static String whyNoValidationSamples(PassStats pass, double validationFraction, long records) {
        long deadLetters = pass.rejected().values().stream().mapToLong(Long::longValue).sum();
        if (deadLetters > 0) {
            return "the validation side's " + deadLetters + (deadLetters == 1 ? " record is a dead letter"
                    : " records are all dead letters") + " (" + String.join(", ", new java.util.TreeMap<>(pass.rejected())
                    .entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()) + ")";
        }
        return "the validation side of the split is empty: --validation-fraction " + validationFraction + " of "
                + records + (records == 1 ? " record" : " records") + " held out none";
    }

    /** Turns DJL's epoch events into {@link EpochResult}s; runs after {@link EvaluatorTrainingListener}. */
    private final class EpochReporter extends TrainingListenerAdapter {

        private final List<EpochResult> history = new ArrayList<>();
        private SpriteDataset train;
        private SpriteDataset validation;
        private int epochs;
        private EpochObserver observer;
        private int epoch;
        private long epochBegan;
        private long trainPassNanos;
        private long waitNanos;
        /** Dead letters of the passes this run made, by reason. */
        private final Map<String, Long> deadLetters = new java.util.TreeMap<>();

        void begin(SpriteDataset trainSet, SpriteDataset validationSet, int epochsDone, int epochCount,
                   List<EpochResult> earlier, EpochObserver epochObserver) {
            this.train = trainSet;
            this.validation = validationSet;
            this.epochs = epochCount;
            this.observer = epochObserver;
            this.history.clear();
            this.history.addAll(earlier);
            this.trainPassNanos = 0;
            this.waitNanos = 0;
            this.deadLetters.clear();
            startEpoch(epochsDone + 1);
        }

        private void startEpoch(int number) {
            epoch = number;
            epochBegan = System.nanoTime();
            observer.epochStarted(number, train.expectedPassSamples());
        }

        @Override
        public void onTrainingBatch(Trainer t, TrainingListener.BatchData batchData) {
            observer.trainingBatch(epoch, batchData.getBatch().getSize());
        }

        @Override
        public void onEpoch(Trainer t) {
            long wall = System.nanoTime() - epochBegan;
            Map<String, Float> latest = evaluations.getLatestEvaluations();
            PassStats trainPass = train.lastPass();
            PassStats validationPass = validation == null ? null : validation.lastPass();
            long waited = trainPass.waitNanos() + (validationPass == null ? 0 : validationPass.waitNanos());
            trainPassNanos += trainPass.wallNanos();
            waitNanos += waited;
            trainPass.rejected().forEach((reason, n) -> deadLetters.merge(reason, n, Long::sum));
            if (validationPass != null) {
                validationPass.rejected().forEach((reason, n) -> deadLetters.merge(reason, n, Long::sum));
            }
            // Without a validation sample DJL's evaluators divide 0 by 0: the values are null, and why is said.
            boolean validated = validationPass != null && validationPass.samples() > 0;
            EpochResult result = new EpochResult(epoch,
                    latest.get("train_loss"),
                    latest.get("train_" + accuracy.getName()),
                    validated ? (double) latest.get("validate_loss") : null,
                    validated ? (double) latest.get("validate_" + accuracy.getName()) : null,
                    trainPass.samples(),
                    validationPass == null ? 0 : validationPass.samples(),
                    wall / 1e9,
                    trainPass.samplesPerSecond(),
                    wall > 0 ? (double) waited / wall : 0,
                    validationPass == null || validated ? null : whyNoValidationSamples(validationPass,
                            validation.keySplit() == null ? 0 : validation.keySplit().validationFraction(),
                            validation.source().records()));
            history.add(result);
            observer.epochFinished(result);
            if (epoch < epochs) {
                startEpoch(epoch + 1);
            }
        }
    }
}
