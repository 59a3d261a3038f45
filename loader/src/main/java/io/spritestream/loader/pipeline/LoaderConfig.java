package io.spritestream.loader.pipeline;

import static io.spritestream.loader.pipeline.LoaderSettings.*;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.config.Setting;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

    /** The parts asked for ({@link LoaderSettings#PARTS}); a part not here is at its declared default. */
    private final Map<Setting<?>, Object> asked;

    private LoaderConfig() {
        this.asked = new HashMap<>();
    }

    /** A config with every value of {@code settings}. */
    LoaderConfig(LoaderSettings s) {
        this.asked = s.askedForDerivedRun();
    }

    /** Reads a dataset version ({@code NAME} for the latest). */
    public static LoaderConfig dataset(DatasetRef ref) {
        return new LoaderConfig().set(DATASET, Objects.requireNonNull(ref));
    }

    /** Reads a bare topic, from its beginning to the end offsets seen at start. */
    public static LoaderConfig topic(String topic) {
        return new LoaderConfig().set(TOPIC, Objects.requireNonNull(topic));
    }

    /** Exactly these ranges of {@code topic} (a time-travel window, or the ranges a state recorded). */
    public static LoaderConfig ranges(String topic, List<OffsetRange> ranges) {
        return topic(topic).set(RANGES, List.copyOf(ranges));
    }

    /**
     * Continues a run from its state (for this rank, already re-split if the world size changed):
     * the same records, the same order, from where it stood. The state's epochs apply unless
     * {@link #epochs} is set afterwards.
     */
    public static LoaderConfig resume(LoaderState state) {
        LoaderConfig c = ranges(state.topic(), state.offsetRanges());
        if (state.dataset() != null) {
            c.set(DATASET, new DatasetRef(state.dataset(), java.util.OptionalInt.of(state.datasetVersion())));
        }
        return c.set(RESUME, state).order(state.orderSpec()).shard(state.rank(), state.worldSize())
                .epochs(state.epochs()).batchSize(state.batchSize()).augment(AugmentSpec.parse(state.augment()));
    }

    /** Checks every setting and how they go together; the settings a loader runs with. */
    public LoaderSettings conclude() {
        return new LoaderSettings(this);
    }

    /** Samples per batch ({@link LoaderSettings#BATCH}). */
    public LoaderConfig batchSize(int value) {
        return set(BATCH, value);
    }

    /** What every sample looks like ({@link PixelSpec#settings()}). */
    public LoaderConfig pixels(PixelSpec value) {
        return set(PIXELS, Objects.requireNonNull(value));
    }

    public LoaderConfig epochs(int value) {
        return set(EPOCHS, value);
    }

    /**
     * Starts the run at the beginning of {@code epoch} ({@link LoaderSettings#START_EPOCH}): its
     * batches are those of that epoch of a run started at 0, and of the later ones. A resumed run
     * goes to the beginning of that epoch of its own order, instead of where its state stood.
     */
    public LoaderConfig startEpoch(int epoch) {
        return set(START_EPOCH, epoch);
    }

    /** Decode threads ({@link LoaderSettings#THREADS}; default: the number of cores). */
    public LoaderConfig threads(int value) {
        return set(THREADS, value);
    }

    /** Stop after this many batches (0: no limit). */
    public LoaderConfig maxBatches(long value) {
        return set(MAX_BATCHES, value);
    }

    public LoaderConfig dropLast(boolean value) {
        return set(DROP_LAST, value);
    }

    public LoaderConfig limits(DecodeLimits value) {
        return set(LIMITS, Objects.requireNonNull(value));
    }

    /**
     * Slabs in the pool (0: automatic: room for 2,048 decoded samples, between {@code 2 * threads + 4}
     * and 64 slabs, at most 256 MB unless the floor needs more). A deeper pool lets decoding run
     * ahead through short stalls (a GC pause, an epoch start) instead of idling while the trainer
     * holds few slabs.
     */
    public LoaderConfig slabs(int value) {
        return set(SLABS, value);
    }

    public LoaderConfig leakDetection(LeakDetection value) {
        return set(LEAK_DETECTION, Objects.requireNonNull(value));
    }

    /** How each epoch's sample order is made (default: offset order); a resumed run keeps its own. */
    public LoaderConfig order(OrderSpec value) {
        return set(ORDER, Objects.requireNonNull(value));
    }

    /** This process is rank {@code rank} of {@code worldSize}: it gets a disjoint, equal share of every epoch. */
    public LoaderConfig shard(int rank, int worldSize) {
        return set(RANK, rank).set(WORLD_SIZE, worldSize);
    }

    /**
     * A live tail without end: read the topic through consumer group {@code group}, committing
     * offsets only for closed batches (at-least-once). Epochs, ranges and states do not apply.
     */
    public LoaderConfig follow(String group) {
        return set(FOLLOW, LoaderSettings.GROUP.check(group));
    }

    /**
     * The longest a live tail's shuffle buffer holds a record ({@link LoaderSettings#FOLLOW_MAX_HOLD}):
     * once a record has waited that long it leaves, buffer full or not.
     */
    public LoaderConfig followMaxHold(java.time.Duration value) {
        return set(FOLLOW_MAX_HOLD, value.toNanos() / 1e9);
    }

    /** A live tail's consumer group protocol ({@link LoaderSettings#GROUP_PROTOCOL}, default classic). */
    public LoaderConfig groupProtocol(io.spritestream.loader.ingest.GroupProtocol value) {
        return set(GROUP_PROTOCOL, Objects.requireNonNull(value));
    }

    /**
     * With the classic protocol, how long a live tail's member that died without leaving keeps its
     * partitions ({@link LoaderSettings#GROUP_SESSION_TIMEOUT}); not with the consumer protocol.
     */
    public LoaderConfig groupSessionTimeout(java.time.Duration value) {
        return set(GROUP_SESSION_TIMEOUT, Objects.requireNonNull(value));
    }

    /** Keep the run's state in {@code file} after every delivered batch (written atomically). */
    public LoaderConfig saveState(Path file) {
        return set(SAVE_STATE, file);
    }

    /** Records fetched ahead of the one being handed out (at least one block). */
    public LoaderConfig readAheadRecords(int value) {
        return set(READ_AHEAD, value);
    }

    /** What happens to a record that cannot become a sample (default: dead-letter it). */
    public LoaderConfig onBadRecord(BadRecordPolicy value) {
        return set(ON_BAD_RECORD, Objects.requireNonNull(value));
    }


    /**
     * Reads only the records on one side of a train/validation split by key ({@code null}: all). The
     * others are skipped by the reader: not decoded, not counted.
     */
    public LoaderConfig keySplit(KeySplit value) {
        return set(KEY_SPLIT, value);
    }

    /**
     * Keeps the class list the run starts with (the dataset version's) as the only one: records
     * without a label or with a label not in it become dead letters ({@code unlabelled},
     * {@code unknown_label}) instead of samples with id -1 or a new id. For training, whose network
     * has one output per class. Default false.
     */
    public LoaderConfig fixedClasses(boolean value) {
        return set(FIXED_CLASSES, value);
    }

    /**
     * The decoded-sample cache's folder (default: {@link LoaderSettings#defaultCacheFolder()}); null
     * for no cache. Samples found there are copied, not fetched and decoded; the others are decoded
     * and written there. The batches are the same, byte for byte, with or without it.
     */
    public LoaderConfig cache(Path folder) {
        return set(CACHE, folder);
    }

    /**
     * How every sample is augmented ({@link AugmentSpec#SETTING}; default none): in its slot, after
     * decoding or the cache (which holds samples as decoded), with draws from the order's seed, the
     * epoch and the record. A resumed run keeps its state's augmentation.
     */
    public LoaderConfig augment(AugmentSpec value) {
        return set(AUGMENT, Objects.requireNonNull(value));
    }

    /** Most bytes the cache folder may hold (least recently used shards are evicted). */
    public LoaderConfig cacheMaxBytes(long bytes) {
        return set(CACHE_MAX_BYTES, bytes);
    }

    /** The dataset version this config reads, or null (a bare topic). */
    public DatasetRef dataset() {
        return (DatasetRef) asked.get(DATASET);
    }

    /** The bare topic this config reads, or null (a dataset version). */
    public String topic() {
        return (String) asked.get(TOPIC);
    }

    /** The parts asked for, for {@link LoaderSettings} to conclude. */
    Map<Setting<?>, Object> asked() {
        return asked;
    }

    private <T> LoaderConfig set(Setting<T> part, T value) {
        asked.put(part, value);
        return this;
    }
}
