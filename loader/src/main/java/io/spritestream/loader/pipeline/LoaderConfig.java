package io.spritestream.loader.pipeline;

import io.spritestream.catalog.DatasetRef;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.ingest.OffsetRange;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Split;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link SpriteLoader} run is told, with defaults, validated once by {@link #build()}
 * (messages name the option, the value and what was expected).
 */
public final class LoaderConfig implements Cloneable {

    /** The automatic pool: room for this many samples, within these bounds (see {@link #slabs}). */
    static final long AUTO_POOL_SAMPLES = 2048;
    static final long AUTO_POOL_MAX_SLABS = 64;
    static final long AUTO_POOL_BYTES = 256L << 20;

    /** Default samples per batch. */
    public static final int DEFAULT_BATCH = 64;
    DatasetRef dataset;
    String topic;
    List<OffsetRange> ranges;
    int batchSize = DEFAULT_BATCH;
    PixelSpec pixels = new PixelSpec(32, 32, 4, Fit.PAD);
    int epochs = 1;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    long maxBatches;
    boolean dropLast;
    DecodeLimits limits = DecodeLimits.DEFAULT;
    int slabs;
    LeakDetection leakDetection = LeakDetection.SIMPLE;
    OrderSpec order = OrderSpec.inOffsetOrder();
    int worldSize = 1;
    int rank;
    int readAheadRecords = 8192;
    BadRecordPolicy badRecords = BadRecordPolicy.DLQ;
    java.util.function.Consumer<String> notices = System.err::println;
    LoaderState resume;
    Path saveState;
    String followGroup;
    LoaderListener listener = LoaderListener.NONE;
    boolean trainerWaitReportedByCaller;
    KeySplit keySplit;

    private LoaderConfig() {}

    public static LoaderConfig dataset(DatasetRef ref) {
        LoaderConfig c = new LoaderConfig();
        c.dataset = Objects.requireNonNull(ref);
        return c;
    }

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
        return c;
    }

    public LoaderConfig batchSize(int value) {
        this.batchSize = value;
        return this;
    }

    public LoaderConfig pixels(PixelSpec value) {
        this.pixels = Objects.requireNonNull(value);
        return this;
    }

    public LoaderConfig epochs(int value) {
        this.epochs = value;
        return this;
    }

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

    /** How each epoch's sample order is made (default: offset order). */
    public LoaderConfig order(OrderSpec value) {
        if (resume != null && !value.equals(resume.orderSpec())) {
            throw new IllegalArgumentException("the order (" + value + ") differs from the resumed state's ("
                    + resume.orderSpec() + "): a resumed run keeps its order");
        }
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
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("--group: '" + group + "' (expected a consumer group id)");
        }
        this.followGroup = group;
        return this;
    }

    public boolean following() {
        return followGroup != null;
    }

    /** Keep the run's state in {@code file} after every delivered batch (written atomically). */
    public LoaderConfig saveState(Path file) {
        this.saveState = file;
        return this;
    }

    /** Records fetched ahead of the one being handed out (at least one block). */
    public LoaderConfig readAheadRecords(int value) {
        this.readAheadRecords = value;
        return this;
    }

    /** What happens to a record that cannot become a sample (default: dead-letter it). */
    public LoaderConfig onBadRecord(BadRecordPolicy value) {
        this.badRecords = Objects.requireNonNull(value);
        return this;
    }

    /** Where one-line notices go while the run waits (e.g. for a broker that is down); default stderr. */
    public LoaderConfig notices(java.util.function.Consumer<String> value) {
        this.notices = Objects.requireNonNull(value);
        return this;
    }

    /** Who is told about the run as it goes (metrics); {@link LoaderListener#NONE} by default. */
    public LoaderConfig listener(LoaderListener value) {
        this.listener = Objects.requireNonNull(value);
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

    /** An independent copy (every setting is a value), to derive one run's settings from another's. */
    public LoaderConfig copy() {
        try {
            return (LoaderConfig) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** Validates; returns this. */
    public LoaderConfig build() {
        require("--batch", batchSize, 1, 65536);
        require("--epochs", epochs, 1, 1_000_000);
        require("--threads", threads, 1, 256);
        require("--slabs", slabs, 0, 4096);
        require("--world-size", worldSize, 1, 1 << 16);
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("--rank: " + rank + " (expected 0.." + (worldSize - 1) + " for --world-size "
                    + worldSize + ")");
        }
        require("read-ahead", readAheadRecords, 1, 1 << 24);
        if (maxBatches < 0) {
            throw new IllegalArgumentException("--max-batches: " + maxBatches + " (expected >= 0, 0 for no limit)");
        }
        if (followGroup != null && (resume != null || saveState != null || worldSize != 1 || ranges != null)) {
            throw new IllegalArgumentException("--follow: a live tail keeps its position in the consumer group "
                    + "(expected no --resume, --save-state, --rank/--world-size or time window)");
        }
        if (slabs != 0 && slabs < 2) {
            throw new IllegalArgumentException("--slabs: " + slabs + " (expected 0 for automatic, or >= 2)");
        }
        if (followGroup != null && keySplit != null) {
            throw new IllegalArgumentException("--validation-fraction: a split by key reads a dataset version or a "
                    + "topic's ranges (expected no --follow)");
        }
        return this;
    }

    public int effectiveSlabs() {
        if (slabs != 0) {
            return slabs;
        }
        int floor = 2 * threads + 4;
        long slabBytes = (long) batchSize * pixels.sampleBytes();
        long byMemory = Math.max(1, AUTO_POOL_BYTES / Math.max(1, slabBytes));
        long wanted = Math.min(AUTO_POOL_MAX_SLABS, (AUTO_POOL_SAMPLES + batchSize - 1) / batchSize);
        return (int) Math.max(floor, Math.min(wanted, byMemory));
    }

    public DatasetRef dataset() {
        return dataset;
    }

    public String topic() {
        return topic;
    }

    public int batchSize() {
        return batchSize;
    }

    public PixelSpec pixels() {
        return pixels;
    }

    public int epochs() {
        return epochs;
    }

    public int threads() {
        return threads;
    }

    public long maxBatches() {
        return maxBatches;
    }

    public boolean dropLast() {
        return dropLast;
    }

    public OrderSpec order() {
        return order;
    }

    public int worldSize() {
        return worldSize;
    }

    public int rank() {
        return rank;
    }

    public LoaderState resumeState() {
        return resume;
    }

    public Path saveStatePath() {
        return saveState;
    }

    /** The epoch the run starts in (0, or the resumed one). */
    int startEpoch() {
        return resume == null ? 0 : resume.epoch();
    }

    /** Positions of the start epoch's order already consumed. */
    long startPosition() {
        return resume == null ? 0 : resume.position();
    }

    /** Splits of the start epoch (elastic resume). */
    List<Split> startSplits() {
        return resume == null ? List.of() : resume.splits();
    }

    public LoaderListener listener() {
        return listener;
    }

    public KeySplit keySplit() {
        return keySplit;
    }

    private static void require(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected " + min + ".." + max + ")");
        }
    }
}
