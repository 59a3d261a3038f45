package io.spritestream.loader.pipeline;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.Setting;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Split;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything a {@link SpriteLoader} run is told, concluded and checked: made by
 * {@link LoaderConfig#conclude()}, immutable, thread-safe. Each setting is declared once here (or,
 * for the parts that are values of their own, in {@link PixelSpec}, {@link DecodeLimits} and
 * {@link OrderSpec}) with its name, default, range and doc; {@link #declared()} lists them all,
 * which is where the command line takes its defaults and option descriptions from.
 */
public final class LoaderSettings {

    public static final Setting<Integer> BATCH = Setting.integer("batch", 64, 1, 65536, "Samples per batch");
    public static final Setting<Integer> EPOCHS = Setting.integer("epochs", 1, 1, 1_000_000, "Epochs");
    public static final Setting<Integer> START_EPOCH = Setting.integer("start-epoch", 0, 0, 999_999,
            "The epoch the run starts in, from its beginning (default: 0, or where a resumed run stood)");
    public static final Setting<Integer> THREADS = Setting.integer("threads", 1, 1, 256, "Decode threads")
            .withRuntimeDefault(Math.max(1, Runtime.getRuntime().availableProcessors()), "the number of cores");
    public static final Setting<Long> MAX_BATCHES = Setting.longInteger("max-batches", 0, 0, Long.MAX_VALUE,
            "Stop after N batches; 0: no limit");
    public static final Setting<Boolean> DROP_LAST = Setting.flag("drop-last",
            "Leave out each epoch's last, partial batch");
    /** The automatic pool: room for this many samples, within these bounds (see {@link #slabs()}). */
    static final long AUTO_POOL_SAMPLES = 2048;
    static final long AUTO_POOL_MAX_SLABS = 64;
    static final long AUTO_POOL_BYTES = 256L << 20;
    public static final Setting<Integer> SLABS = Setting.of("slabs", Integer.class, 0, "0",
            s -> s != null && (s == 0 || s >= 2 && s <= 4096), "0 for automatic, or 2..4096",
            "Batch slabs in the memory pool; 0: room for 2,048 samples, 2 x threads + 4 to 64 slabs, at most 256 MB");
    public static final Setting<LeakDetection> LEAK_DETECTION = Setting.choice("leak-detection", LeakDetection.class,
            LeakDetection.SIMPLE, "What the pool records to name a batch left open: off, simple or paranoid");
    public static final Setting<Integer> WORLD_SIZE = Setting.integer("world-size", 1, 1, 1 << 16, "Number of ranks");
    public static final Setting<Integer> RANK = Setting.integer("rank", 0, 0, (1 << 16) - 1, "This process's rank");
    public static final Setting<Integer> READ_AHEAD = Setting.integer("read-ahead", 8192, 1, 1 << 24,
            "Records fetched ahead of the one being handed out (at least one block)");
    public static final Setting<BadRecordPolicy> ON_BAD_RECORD = Setting.choice("on-bad-record", BadRecordPolicy.class,
            BadRecordPolicy.DLQ, "A record that cannot become a sample: written to <topic>.dlq, only counted, or the "
                    + "run stops naming it");
    public static final Setting<String> GROUP = Setting.of("group", String.class, "spritestream-loader",
            "spritestream-loader", g -> g != null && !g.isBlank(), "a consumer group id", "Consumer group of a live tail");

    /** The decoded-sample cache's folder (null: no cache; the default is the user cache folder's). */
    public static final Setting<Path> CACHE = Setting.of("cache", Path.class, null, null, p -> true,
            "a folder", "Folder of the decoded-sample cache, shared by runs and processes")
            .withRuntimeDefault(defaultCacheFolder(), "decoded/ in $SPRITESTREAM_CACHE, else in ~/.cache/spritestream");
    public static final Setting<Long> CACHE_MAX_BYTES = Setting.longInteger("cache-max-bytes", 16_000_000_000L,
            0, Long.MAX_VALUE, "Most bytes the cache folder may hold: least recently used shards are evicted");

    private final DatasetRef dataset;
    private final String topic;
    private final List<OffsetRange> ranges;
    private final int batchSize;
    private final PixelSpec pixels;
    private final int epochs;
    private final int threads;
    private final long maxBatches;
    private final boolean dropLast;
    private final DecodeLimits limits;
    private final int slabs;
    private final LeakDetection leakDetection;
    private final OrderSpec order;
    private final int worldSize;
    private final int rank;
    private final int readAhead;
    private final BadRecordPolicy onBadRecord;
    private final LoaderState resume;
    private final int startEpoch;
    private final Path saveState;
    private final String followGroup;
    private final boolean trainerWaitReportedByCaller;
    private final KeySplit keySplit;
    private final Path cache;
    private final long cacheMaxBytes;
    private final AugmentSpec augment;

    /** Checks every setting and how they go together (see {@link LoaderConfig#conclude()}). */
    LoaderSettings(LoaderConfig c) {
        this.dataset = c.dataset;
        this.topic = c.topic;
        this.ranges = c.ranges == null ? null : List.copyOf(c.ranges);
        this.batchSize = BATCH.check(c.batchSize);
        this.pixels = c.pixels;
        this.epochs = EPOCHS.check(c.epochs);
        this.threads = THREADS.check(c.threads);
        this.maxBatches = MAX_BATCHES.check(c.maxBatches);
        this.dropLast = c.dropLast;
        this.limits = c.limits;
        this.slabs = SLABS.check(c.slabs);
        this.leakDetection = LEAK_DETECTION.check(c.leakDetection);
        this.order = c.order;
        this.worldSize = WORLD_SIZE.check(c.worldSize);
        this.rank = RANK.check(c.rank);
        this.readAhead = READ_AHEAD.check(c.readAhead);
        this.onBadRecord = ON_BAD_RECORD.check(c.onBadRecord);
        Integer asked = c.startEpoch == null ? null : START_EPOCH.check(c.startEpoch);
        if (asked != null && asked >= epochs) {
            throw InvalidSettingException.format("{start-epoch}: %s (expected 0..%s for {epochs} %s)", asked,
                    epochs - 1, epochs);
        }
        if (asked != null && asked > 0 && c.followGroup != null) {
            throw InvalidSettingException.format("{start-epoch}: a live tail has no epochs (expected no {follow})");
        }
        // A resumed run asked for an epoch starts at its beginning, in the resumed run's order.
        this.resume = c.resume == null || asked == null ? c.resume
                : c.resume.at(asked, 0, List.of(), c.resume.classes(), c.resume.batchesDelivered(),
                        c.resume.samplesDelivered());
        this.startEpoch = resume != null ? resume.epoch() : asked == null ? 0 : asked;
        this.saveState = c.saveState;
        this.followGroup = c.followGroup == null ? null : GROUP.check(c.followGroup);
        this.trainerWaitReportedByCaller = c.trainerWaitReportedByCaller;
        this.keySplit = c.keySplit;
        this.cache = c.cache;
        this.cacheMaxBytes = CACHE_MAX_BYTES.check(c.cacheMaxBytes);
        this.augment = c.augment.checkFor(pixels);
        if (rank >= worldSize) {
            throw InvalidSettingException.format("{rank}: %s (expected 0..%s for {world-size} %s)", rank, worldSize - 1,
                    worldSize);
        }
        if (resume != null && !order.equals(resume.orderSpec())) {
            throw InvalidSettingException.format("the order (%s) differs from the resumed state's (%s): a resumed run "
                    + "keeps its order", order, resume.orderSpec());
        }
        if (resume != null && !augment.equals(AugmentSpec.parse(resume.augment()))) {
            throw InvalidSettingException.format("{augment}: %s differs from the resumed state's (%s): a resumed run "
                    + "keeps its augmentation", augment, AugmentSpec.parse(resume.augment()));
        }
        if (followGroup != null && (resume != null || saveState != null || worldSize != 1 || ranges != null)) {
            throw InvalidSettingException.format("{follow}: a live tail keeps its position in the consumer group "
                    + "(expected no {resume}, {save-state}, {rank}/{world-size} or time window)");
        }
        if (followGroup != null && keySplit != null) {
            throw InvalidSettingException.format("{validation-fraction}: a split by key reads a dataset version or a "
                    + "topic's ranges (expected no {follow})");
        }
    }

    /** Every declared setting of a loader run, for the command line's defaults and docs. */
    public static List<Setting<?>> declared() {
        List<Setting<?>> all = new ArrayList<>(List.of(BATCH, EPOCHS, START_EPOCH, THREADS, MAX_BATCHES, DROP_LAST, SLABS,
                LEAK_DETECTION, WORLD_SIZE, RANK, READ_AHEAD, ON_BAD_RECORD, GROUP, KeySplit.VALIDATION_FRACTION, CACHE,
                CACHE_MAX_BYTES, AugmentSpec.SETTING));
        all.addAll(PixelSpec.settings());
        all.addAll(DecodeLimits.settings());
        all.addAll(OrderSpec.settings());
        return List.copyOf(all);
    }

    /** A config with these settings, to derive another run's from them. */
    public LoaderConfig toConfig() {
        return new LoaderConfig(this);
    }

    /** The dataset version to read, or null (then {@link #topic()}). */
    public DatasetRef dataset() {
        return dataset;
    }

    /** The bare topic to read, or null (then {@link #dataset()}). */
    public String topic() {
        return topic;
    }

    /** Exactly these ranges (a time window, or a resumed state's), or null to resolve the source. */
    public List<OffsetRange> ranges() {
        return ranges;
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

    /** Batches after which the run stops; 0: no limit. */
    public long maxBatches() {
        return maxBatches;
    }

    public boolean dropLast() {
        return dropLast;
    }

    public DecodeLimits limits() {
        return limits;
    }

    /** The slabs of the pool as asked (0: automatic); {@link #effectiveSlabs()} is what the pool gets. */
    public int slabs() {
        return slabs;
    }

    /** Slabs in the pool: as asked, or automatic (see {@link #SLABS}). */
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

    public LeakDetection leakDetection() {
        return leakDetection;
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

    /** Records fetched ahead of the one being handed out. */
    public int readAhead() {
        return readAhead;
    }

    public BadRecordPolicy onBadRecord() {
        return onBadRecord;
    }

    /** The state this run continues, or null. */
    public LoaderState resumeState() {
        return resume;
    }

    /** Where the run keeps its state after every batch, or null. */
    public Path saveStatePath() {
        return saveState;
    }

    /** The consumer group of a live tail, or null for a bounded run. */
    public String followGroup() {
        return followGroup;
    }

    public boolean following() {
        return followGroup != null;
    }

    /** See {@link LoaderConfig#trainerWaitReportedByCaller}. */
    public boolean trainerWaitReportedByCaller() {
        return trainerWaitReportedByCaller;
    }

    /** The side of a split by key this run reads, or null for every record. */
    public KeySplit keySplit() {
        return keySplit;
    }

    /** How every sample is augmented (none by default). */
    public AugmentSpec augment() {
        return augment;
    }

    /** The decoded-sample cache's folder, or null for none. A live tail is never cached. */
    public Path cache() {
        return cache;
    }

    /** Most bytes the cache folder may hold. */
    public long cacheMaxBytes() {
        return cacheMaxBytes;
    }

    /**
     * The default cache folder: {@code spritestream.decoded.cache} (a system property, e.g. for
     * tests), else {@code decoded} in {@code $SPRITESTREAM_CACHE}, else in {@code ~/.cache/spritestream}.
     */
    public static Path defaultCacheFolder() {
        String property = System.getProperty("spritestream.decoded.cache");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv("SPRITESTREAM_CACHE");
        Path root = env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "spritestream");
        return root.resolve("decoded");
    }

    /** The epoch the run starts in (0, the one asked for, or the resumed one). */
    public int startEpoch() {
        return startEpoch;
    }

    /** Positions of the start epoch's order already delivered. */
    public long startPosition() {
        return resume == null ? 0 : resume.position();
    }

    /** Splits of the start epoch (elastic resume). */
    public List<Split> startSplits() {
        return resume == null ? List.of() : resume.splits();
    }
}
