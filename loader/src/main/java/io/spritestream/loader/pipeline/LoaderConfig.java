package io.spritestream.loader.pipeline;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.replay.OrderSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What a caller asks of a loader run, written setting by setting, each starting at its declared
 * default ({@link LoaderSettings}); {@link #conclude()} checks them all and returns the immutable
 * {@link LoaderSettings} a loader runs with (messages name the setting, the value and what was
 * expected). Like Aeron's {@code Context}: fill in, then conclude.
 *
 * <pre>{@code
 * LoaderSettings settings = LoaderConfig.dataset(DatasetRef.parse("icons@2"))
 *         .batchSize(64).pixels(new PixelSpec(32, 32, 4, Fit.PAD)).epochs(3).conclude();
 * }</pre>
 *
 * <p>Not thread-safe: one thread writes a config, then concludes it.
 */
public final class LoaderConfig {

    DatasetRef dataset;
    String topic;
    List<OffsetRange> ranges;
    int batchSize = LoaderSettings.BATCH.defaultValue();
    PixelSpec pixels = PixelSpec.of(PixelSpec.SIZE.defaultValue(), PixelSpec.CHANNELS.defaultValue(),
            PixelSpec.FIT.defaultValue());
    int epochs = LoaderSettings.EPOCHS.defaultValue();
    int threads = LoaderSettings.THREADS.defaultValue();
    long maxBatches = LoaderSettings.MAX_BATCHES.defaultValue();
    boolean dropLast = LoaderSettings.DROP_LAST.defaultValue();
    DecodeLimits limits = DecodeLimits.DEFAULT;
    int slabs = LoaderSettings.SLABS.defaultValue();
    LeakDetection leakDetection = LoaderSettings.LEAK_DETECTION.defaultValue();
    OrderSpec order = OrderSpec.inOffsetOrder();
    int worldSize = LoaderSettings.WORLD_SIZE.defaultValue();
    int rank = LoaderSettings.RANK.defaultValue();
    int readAhead = LoaderSettings.READ_AHEAD.defaultValue();
    BadRecordPolicy onBadRecord = LoaderSettings.ON_BAD_RECORD.defaultValue();
    LoaderState resume;
    Integer startEpoch;
    Path saveState;
    String followGroup;
    boolean trainerWaitReportedByCaller;
    KeySplit keySplit;
    Path cache = LoaderSettings.CACHE.defaultValue();
    long cacheMaxBytes = LoaderSettings.CACHE_MAX_BYTES.defaultValue();
    AugmentSpec augment = AugmentSpec.NONE;

    private LoaderConfig() {}

    /** A config with every value of {@code settings}. */
    LoaderConfig(LoaderSettings s) {
        this.dataset = s.dataset();
        this.topic = s.topic();
        this.ranges = s.ranges();
        this.batchSize = s.batchSize();
        this.pixels = s.pixels();
        this.epochs = s.epochs();
        this.threads = s.threads();
        this.maxBatches = s.maxBatches();
        this.dropLast = s.dropLast();
        this.limits = s.limits();
        this.slabs = s.slabs();
        this.leakDetection = s.leakDetection();
        this.order = s.order();
        this.worldSize = s.worldSize();
        this.rank = s.rank();
        this.readAhead = s.readAhead();
        this.onBadRecord = s.onBadRecord();
        this.resume = s.resumeState();
        this.startEpoch = s.resumeState() == null ? s.startEpoch() : null; // a resumed state holds its own
        this.saveState = s.saveStatePath();
        this.followGroup = s.followGroup();
        this.trainerWaitReportedByCaller = s.trainerWaitReportedByCaller();
        this.keySplit = s.keySplit();
        this.cache = s.cache();
        this.cacheMaxBytes = s.cacheMaxBytes();
        this.augment = s.augment();
    }

    /** Reads a dataset version ({@code NAME} for the latest). */
    public static LoaderConfig dataset(DatasetRef ref) {
        LoaderConfig c = new LoaderConfig();
        c.dataset = Objects.requireNonNull(ref);
        return c;
    }

    /** Reads a bare topic, from its beginning to the end offsets seen at start. */
    public static LoaderConfig topic(String topic) {
        LoaderConfig c = new LoaderConfig();
        c.topic = Objects.requireNonNull(topic);
        return c;
    }

    /** Exactly these ranges of {@code topic} (a time-travel window, or the ranges a state recorded). */
    public static LoaderConfig ranges(String topic, List<OffsetRange> ranges) {
        LoaderConfig c = topic(topic);
        c.ranges = List.copyOf(ranges);
        return c;
    }

    /**
     * Continues a run from its state (for this rank, already re-split if the world size changed):
     * the same records, the same order, from where it stood. The state's epochs apply unless
     * {@link #epochs} is set afterwards.
     */
    public static LoaderConfig resume(LoaderState state) {
        LoaderConfig c = ranges(state.topic(), state.offsetRanges());
        if (state.dataset() != null) {
            c.dataset = new DatasetRef(state.dataset(), java.util.OptionalInt.of(state.datasetVersion()));
        }
        c.resume = state;
        c.order = state.orderSpec();
        c.worldSize = state.worldSize();
        c.rank = state.rank();
        c.epochs = state.epochs();
        c.batchSize = state.batchSize();
        c.augment = AugmentSpec.parse(state.augment());
        return c;
    }

    /** Checks every setting and how they go together; the settings a loader runs with. */
    public LoaderSettings conclude() {
        return new LoaderSettings(this);
    }

    /** Samples per batch ({@link LoaderSettings#BATCH}). */
    public LoaderConfig batchSize(int value) {
        this.batchSize = value;
        return this;
    }

    /** What every sample looks like ({@link PixelSpec#settings()}). */
    public LoaderConfig pixels(PixelSpec value) {
        this.pixels = Objects.requireNonNull(value);
        return this;
    }

    public LoaderConfig epochs(int value) {
        this.epochs = value;
        return this;
    }

    /**
     * Starts the run at the beginning of {@code epoch} ({@link LoaderSettings#START_EPOCH}): its
     * batches are those of that epoch of a run started at 0, and of the later ones. A resumed run
     * goes to the beginning of that epoch of its own order, instead of where its state stood.
     */
    public LoaderConfig startEpoch(int epoch) {
        this.startEpoch = epoch;
        return this;
    }

    /** Decode threads ({@link LoaderSettings#THREADS}; default: the number of cores). */
    public LoaderConfig threads(int value) {
        this.threads = value;
        return this;
    }

    /** Stop after this many batches (0: no limit). */
    public LoaderConfig maxBatches(long value) {
        this.maxBatches = value;
        return this;
    }

    public LoaderConfig dropLast(boolean value) {
        this.dropLast = value;
        return this;
    }

    public LoaderConfig limits(DecodeLimits value) {
        this.limits = Objects.requireNonNull(value);
        return this;
    }

    /**
     * Slabs in the pool (0: automatic: room for 2,048 decoded samples, between {@code 2 * threads + 4}
     * and 64 slabs, at most 256 MB unless the floor needs more). A deeper pool lets decoding run
     * ahead through short stalls (a GC pause, an epoch start) instead of idling while the trainer
     * holds few slabs.
     */
    public LoaderConfig slabs(int value) {
        this.slabs = value;
        return this;
    }

    public LoaderConfig leakDetection(LeakDetection value) {
        this.leakDetection = Objects.requireNonNull(value);
        return this;
    }

    /** How each epoch's sample order is made (default: offset order); a resumed run keeps its own. */
    public LoaderConfig order(OrderSpec value) {
        this.order = Objects.requireNonNull(value);
        return this;
    }

    /** This process is rank {@code rank} of {@code worldSize}: it gets a disjoint, equal share of every epoch. */
    public LoaderConfig shard(int rank, int worldSize) {
        this.rank = rank;
        this.worldSize = worldSize;
        return this;
    }

    /**
     * A live tail without end: read the topic through consumer group {@code group}, committing
     * offsets only for closed batches (at-least-once). Epochs, ranges and states do not apply.
     */
    public LoaderConfig follow(String group) {
        this.followGroup = LoaderSettings.GROUP.check(group);
        return this;
    }

    /** Keep the run's state in {@code file} after every delivered batch (written atomically). */
    public LoaderConfig saveState(Path file) {
        this.saveState = file;
        return this;
    }

    /** Records fetched ahead of the one being handed out (at least one block). */
    public LoaderConfig readAheadRecords(int value) {
        this.readAhead = value;
        return this;
    }

    /** What happens to a record that cannot become a sample (default: dead-letter it). */
    public LoaderConfig onBadRecord(BadRecordPolicy value) {
        this.onBadRecord = Objects.requireNonNull(value);
        return this;
    }

    /**
     * Whether the training loop reports its own waits ({@link SpriteLoader#trainerWaited}) because it
     * does not call {@link SpriteLoader#next()} itself: a stage in between (a device stage on its own
     * thread) does, and the wait that matters is the loop's on that stage. Default false: the time
     * spent in {@code next()} is the trainer's wait.
     */
    public LoaderConfig trainerWaitReportedByCaller(boolean value) {
        this.trainerWaitReportedByCaller = value;
        return this;
    }

    /**
     * Reads only the records on one side of a train/validation split by key ({@code null}: all). The
     * others are skipped by the reader: not decoded, not counted.
     */
    public LoaderConfig keySplit(KeySplit value) {
        this.keySplit = value;
        return this;
    }

    /**
     * The decoded-sample cache's folder (default: {@link LoaderSettings#defaultCacheFolder()}); null
     * for no cache. Samples found there are copied, not fetched and decoded; the others are decoded
     * and written there. The batches are the same, byte for byte, with or without it.
     */
    public LoaderConfig cache(Path folder) {
        this.cache = folder;
        return this;
    }

    /**
     * How every sample is augmented ({@link AugmentSpec#SETTING}; default none): in its slot, after
     * decoding or the cache (which holds samples as decoded), with draws from the order's seed, the
     * epoch and the record. A resumed run keeps its state's augmentation.
     */
    public LoaderConfig augment(AugmentSpec value) {
        this.augment = Objects.requireNonNull(value);
        return this;
    }

    /** Most bytes the cache folder may hold (least recently used shards are evicted). */
    public LoaderConfig cacheMaxBytes(long bytes) {
        this.cacheMaxBytes = bytes;
        return this;
    }

    /** The dataset version this config reads, or null (a bare topic). */
    public DatasetRef dataset() {
        return dataset;
    }

    /** The bare topic this config reads, or null (a dataset version). */
    public String topic() {
        return topic;
    }
}
