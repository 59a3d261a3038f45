package io.spritestream.loader.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.util.Progress;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.Setting;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.ingest.ResolvedSource;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * A DJL {@link Dataset} over a sprite stream: {@code EasyTrain.fit(trainer, epochs, train, validation)}
 * works unchanged. Each {@link #getData} pass is one epoch of the dataset version (or topic). Its
 * batches are {@link StreamBatch}es: the input is normalised on the trainer's device from the
 * loader's pooled slab, and closing the batch returns the slab.
 *
 * <pre>{@code
 * LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse("icons")).batchSize(64);
 * try (SpriteDataset.Split data = SpriteDataset.split(config, kafka, 0.1)) {
 *     data.train().prepare();                       // resolves the version: classes are known
 *     Block net = SpriteNet.build(data.train().classes().size());
 *     ... model.newTrainer(config) ...
 *     EasyTrain.fit(trainer, 3, data.train(), data.validation());
 * }
 * }</pre>
 *
 * <p>The class list is the version's and stays so ({@link LoaderConfig#fixedClasses}): a record
 * without a label, or with one the list lacks, is a dead letter ({@code unlabelled},
 * {@code unknown_label}) and takes no row of a batch; {@link PassStats#rejected()} counts a pass's.
 *
 * <p>One {@link SpriteLoader} serves every pass: it is opened at the first pass (or {@link #prepare}),
 * resolves the version once, and reads epoch after epoch, running ahead of the trainer as far as its
 * pool allows; so the next epoch's first batches are ready when a pass ends. The loader's
 * {@code epochs} setting is not used: the caller's loop decides how many passes to make (up to
 * 10,000); {@code maxBatches} still ends the stream for good. With a shuffled order, every pass is a
 * new epoch of the order (a different permutation), as with the {@code load} command's epochs.
 * With {@link LoaderConfig#augment augmentation}, every pass augments afresh; the validation side of a
 * {@link #split} is never augmented.
 *
 * <p>A {@link DeviceStage} thread copies batches to the device and prepares their input while the
 * trainer steps. The time a pass's loop waits for its next batch is measured where it asks for it
 * ({@code hasNext}) and reported by {@link #lastPass()}.
 *
 * <p>For one training thread: passes, {@link #prepare} and {@link #close} are called by it. A new
 * pass abandons an unfinished one (its remaining batches are skipped). Close the dataset when done:
 * it stops the threads and closes the loader, which fails, naming them, if batches are still open.
 */
public final class SpriteDataset implements Dataset, AutoCloseable {

    /** Epochs the loader is told to read: more passes than a training job makes (later ones are empty). */
    public static final int MAX_PASSES = 10_000;
    /** Batches the device stage prepares ahead of the trainer. */
    public static final Setting<Integer> PREFETCH = Setting.integer("prefetch", 2, 1, 64,
            "Batches prepared on the device ahead of the training step");

    private final LoaderSettings settings;
    private final EpochStream stream;
    private Device device;
    private Pass current;
    private int nextEpoch;
    /** Set from any thread (a signal's hook): the training pass stops at its next step. */
    private volatile boolean stopRequested;
    private boolean closed;
    private PassStats lastPass;
    private long totalWaitNanos;
    private long totalWallNanos;
    private long totalSamples;

    private SpriteDataset(Builder b) {
        // The loader's next() is called by the device stage: the wait that counts is the pass's.
        // The network has one output per class of the version: a record outside its list is a dead letter.
        LoaderConfig base = b.config.toConfig().epochs(MAX_PASSES).keySplit(b.split).fixedClasses(true);
        if (b.split != null && b.split.side() == KeySplit.Side.VALIDATION) {
            base.augment(AugmentSpec.NONE); // validation measures the model on the samples as they are
        }
        LoaderSettings asked = base.conclude();
        // The device side holds a few slabs (queued, being prepared, kept for the next pass, in the
        // trainer's hands): add them, so that the decoders keep as many as they would otherwise.
        this.settings = asked.toConfig().slabs(asked.effectiveSlabs() + b.depth + 3).conclude();
        this.stream = new EpochStream(settings, b.kafka, b.observers, b.normalization, b.depth);
        this.device = b.device;
        this.nextEpoch = settings.startEpoch(); // a resumed run's first pass is the epoch it stopped in
    }

    /** A dataset over what {@code config} reads (concluded now; its {@code epochs} is not used). */
    public static Builder builder(LoaderConfig config, KafkaSettings kafka) {
        return new Builder(config.conclude(), kafka);
    }

    /** A dataset over what {@code settings} read ({@code epochs} is not used). */
    public static Builder builder(LoaderSettings settings, KafkaSettings kafka) {
        return new Builder(settings, kafka);
    }

    /**
     * The two sides of a deterministic split by key hash: {@code validationFraction} of the keys for
     * validation, the rest for training; disjoint, together the whole dataset, the same on every run.
     * Needs a dataset version (its class list gives both sides the same label ids).
     */
    public static Split split(LoaderConfig config, KafkaSettings kafka, double validationFraction) {
        return split(builder(config, kafka), validationFraction);
    }

    /** {@link #split(LoaderConfig, KafkaSettings, double)} with the settings of {@code template}. */
    public static Split split(Builder template, double validationFraction) {
        if (template.config.dataset() == null) {
            throw InvalidSettingException.format("{validation-fraction}: a split by key needs {dataset} (the version's "
                    + "class list gives both sides the same label ids); got {topic} %s", template.config.topic());
        }
        SpriteDataset train = template.copy().split(KeySplit.train(validationFraction)).build();
        SpriteDataset validation = template.copy().split(KeySplit.validation(validationFraction)).build();
        return new Split(train, validation);
    }

    /** Opens the loader (resolving the dataset version once for every pass) and starts reading ahead. */
    @Override
    public void prepare(Progress progress) {
        openLoader();
        if (device != null) {
            stream.start(device);
        }
    }

    /** The class names (a label id is a position here); {@link #prepare} first. */
    public List<String> classes() {
        requireOpen();
        return stream.loader().classes();
    }

    /** The resolved source (dataset version and offsets); {@link #prepare} first. */
    public ResolvedSource source() {
        requireOpen();
        return stream.loader().source();
    }

    /** The split side this dataset reads, or null. */
    public KeySplit keySplit() {
        return settings.keySplit();
    }

    /** The loader behind the passes (its statistics and pool), or null before the first. */
    public SpriteLoader loader() {
        return stream.loader();
    }

    /** Samples the next pass is expected to have: an estimate until one pass is through, then exact. */
    public long expectedPassSamples() {
        return stream.expectedEpochSamples();
    }

    /**
     * One pass (the next epoch). Batches are prepared on the device of {@code manager} (the trainer's:
     * {@code EasyTrain} passes {@code trainer.getManager()}), in managers of this dataset's own.
     */
    @Override
    public Iterable<Batch> getData(NDManager manager) {
        if (closed) {
            throw new IllegalStateException("dataset is closed");
        }
        Device target = manager.getDevice();
        if (stream.device() != null && !stream.device().equals(target)) {
            throw new IllegalArgumentException("manager device: " + target + " (expected " + stream.device()
                    + ": this dataset already streams there)");
        }
        openLoader();
        stream.start(target);
        if (current != null) {
            current.abandon();
        }
        Pass pass = new Pass(nextEpoch++);
        current = pass;
        return () -> pass;
    }

    /**
     * Asks the pass in progress to stop before its next batch: its {@code hasNext} then throws
     * {@link TrainingStopped}, out of the training loop. Any thread (a signal handler's).
     */
    public void requestStop() {
        stopRequested = true;
    }

    /**
     * Where the training loop stands in this dataset's order: just after the last batch it took from
     * the pass in progress, or at the start of the next pass if none is in progress. A loader resumed
     * from it continues with exactly the batches an uninterrupted run would have given next.
     */
    public LoaderState positionAfterTaken() {
        requireOpen();
        LoaderState now = stream.loader().state();
        Pass pass = current;
        if (pass != null && (!pass.over || pass.stopped) && pass.batches > 0) {
            return now.at(pass.epoch, pass.lastPosition + 1, List.of(), classes(), pass.batches, pass.samples);
        }
        int epoch = pass == null ? nextEpoch : pass.over && !pass.stopped ? pass.epoch + 1 : pass.epoch;
        return now.at(epoch, 0, List.of(), classes(), 0, 0);
    }

    /** Batches the training loop took from the pass in progress (0 if none is in progress). */
    public long batchesTakenThisPass() {
        Pass pass = current;
        return pass == null || (pass.over && !pass.stopped) ? 0 : pass.batches;
    }

    /** The last finished pass, or null. */
    public PassStats lastPass() {
        return lastPass;
    }

    /** Waiting time / wall time over every finished pass. */
    public double waitRatio() {
        return totalWallNanos > 0 ? (double) totalWaitNanos / totalWallNanos : 0;
    }

    public long samplesDelivered() {
        return totalSamples;
    }

    /** Time the device stage spent copying batches to the device and preparing their input. */
    public long prepareNanos() {
        return stream.prepareNanos();
    }

    /**
     * Stops the device stage, closes every batch it prepared that was not handed out, then closes the
     * loader (which fails, naming them, if handed-out batches are still open) and the managers.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (current != null) {
            current.abandon();
        }
        stream.close();
    }

    private void openLoader() {
        if (closed) {
            throw new IllegalStateException("dataset is closed");
        }
        stream.open();
    }

    private void requireOpen() {
        if (stream.loader() == null) {
            throw new IllegalStateException("dataset not prepared: call prepare() first");
        }
    }

    private void finished(Pass pass) {
        PassStats stats = new PassStats(pass.epoch, pass.batches, pass.samples, pass.waitNanos,
                System.nanoTime() - pass.started, stream.loader().stats().rejectedIn(pass.epoch));
        lastPass = stats;
        totalWaitNanos += stats.waitNanos();
        totalWallNanos += stats.wallNanos();
        totalSamples += stats.samples();
    }

    /** One epoch's batches, in order. */
    private final class Pass implements Iterator<Batch> {

        final int epoch;
        final long started = System.nanoTime();
        long batches;
        long samples;
        long waitNanos;
        /** Position in the epoch's order of the last row of the last batch taken. */
        long lastPosition = -1;
        StreamBatch next;
        volatile boolean over;
        /** Ended by {@link #requestStop()}, not by the epoch's end. */
        volatile boolean stopped;

        Pass(int epoch) {
            this.epoch = epoch;
        }

        @Override
        public boolean hasNext() {
            if (stopRequested && settings.keySplit() != null && settings.keySplit().side() == KeySplit.Side.VALIDATION) {
                // a validation pass runs to its end: the epoch's checkpoint follows it
            } else if (stopRequested) {
                if (next != null) {
                    next.close();
                    next = null;
                }
                over = true;
                stopped = true;
                throw new TrainingStopped(epoch, batches);
            }
            if (next != null) {
                return true;
            }
            if (over) {
                return false;
            }
            long began = System.nanoTime();
            try {
                next = stream.take(epoch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                over = true;
                throw new IllegalStateException("interrupted while waiting for a batch", e);
            } catch (RuntimeException | Error e) {
                over = true;
                throw e;
            } finally {
                long waited = System.nanoTime() - began;
                waitNanos += waited;
                stream.trainerWaited(waited);
            }
            if (next == null) {
                over = true;
                finished(this);
                return false;
            }
            return true;
        }

        @Override
        public Batch next() {
            if (!hasNext()) {
                throw new NoSuchElementException("epoch " + epoch + " is over");
            }
            StreamBatch b = next;
            next = null;
            batches++;
            samples += b.getSize();
            lastPosition = b.sprites().position(b.getSize() - 1);
            return b;
        }

        void abandon() {
            if (next != null) {
                next.close();
                next = null;
            }
            over = true;
        }
    }

    /** The two sides of a train/validation split; closing it closes both. */
    public record Split(SpriteDataset train, SpriteDataset validation) implements AutoCloseable {
        @Override
        public void close() {
            try {
                train.close();
            } finally {
                validation.close();
            }
        }
    }

    /** How a {@link SpriteDataset} is made. */
    public static final class Builder {
        private final LoaderSettings config;
        private final KafkaSettings kafka;
        private RunObservers observers = RunObservers.NONE;
        private KeySplit split;
        private PixelNormalization normalization = PixelNormalization.scaleOnly();
        private int depth = PREFETCH.defaultValue();
        private Device device;

        private Builder(LoaderSettings config, KafkaSettings kafka) {
            this.config = Objects.requireNonNull(config, "config");
            this.kafka = Objects.requireNonNull(kafka, "kafka");
        }

        private Builder copy() {
            Builder b = new Builder(config, kafka);
            b.observers = observers;
            b.split = split;
            b.normalization = normalization;
            b.depth = depth;
            b.device = device;
            return b;
        }

        /** Who is told the loader's events (metrics; default: nobody). */
        public Builder listener(LoaderListener value) {
            this.observers = observers.withEvents(Objects.requireNonNull(value));
            return this;
        }

        /** Who is told about the loader's run, every role (default: nobody, notices on standard error). */
        public Builder observers(RunObservers value) {
            this.observers = Objects.requireNonNull(value);
            return this;
        }

        /** Only one side of a split by key (default: every record). */
        public Builder split(KeySplit value) {
            this.split = value;
            return this;
        }

        /** How the uint8 pixels become the network input (default: {@code v / 255}). */
        public Builder normalization(PixelNormalization value) {
            this.normalization = Objects.requireNonNull(value);
            return this;
        }

        /** Batches the device stage prepares ahead of the trainer (default 2). */
        public Builder prefetch(int batches) {
            this.depth = PREFETCH.check(batches);
            return this;
        }

        /**
         * The training device, so that {@link #prepare} can start preparing batches there before the
         * first pass (default: the device of the manager the first pass is given).
         */
        public Builder device(Device value) {
            this.device = value;
            return this;
        }

        public SpriteDataset build() {
            return new SpriteDataset(this);
        }
    }
}
