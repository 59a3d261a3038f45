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
import io.spritestream.loader.ingest.GroupMembership;
import io.spritestream.loader.ingest.GroupProtocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a {@link SpriteLoader} run is told, concluded and checked: made by
 * {@link LoaderConfig#conclude()}, immutable, thread-safe. Each setting is declared once here (or,
 * for the parts that are values of their own, in {@link PixelSpec}, {@link DecodeLimits} and
 * {@link OrderSpec}) with its name, default, range and doc; {@link #declared()} lists them all,
 * which is where the command line takes its defaults and option descriptions from.
 *
 * <p>A config and its settings hold the run's parts the same way: by their declarations
 * ({@link #PARTS}), each value as it was asked for, or else the declared default. Concluding checks
 * each asked value against its declaration, then the rules between settings.
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
    /** How long a live tail's shuffle buffer may hold a record, in seconds. */
    public static final Setting<Double> FOLLOW_MAX_HOLD = Setting.decimal("follow-max-hold", 1, 0.01, 3600,
            "Seconds a live tail's shuffle buffer may hold a record: on a stream too slow to fill the buffer, "
                    + "records leave once they have waited this long");
    /** The live tail's consumer group protocol (see {@link GroupProtocol}). */
    public static final Setting<GroupProtocol> GROUP_PROTOCOL = Setting.choice("group-protocol", GroupProtocol.class,
            GroupProtocol.CLASSIC, "Consumer group protocol of a live tail: classic (the member sets the session "
                    + "timeout) or consumer (Kafka 4's; the cluster's session timeout, 45 s unless its admin lowers it)");
    /** With the classic protocol: how long a member that died without leaving keeps its partitions. */
    public static final Setting<Duration> GROUP_SESSION_TIMEOUT = Setting.seconds("group-session-timeout", 10, 1,
            "Seconds before a live tail's member that died without leaving loses its partitions to the others "
                    + "(classic protocol; the broker allows 6 s to 30 min by default)");

    /** The decoded-sample cache's folder (null: no cache; the default is the user cache folder's). */
    public static final Setting<Path> CACHE = Setting.of("cache", Path.class, null, null, p -> true,
            "a folder", "Folder of the decoded-sample cache, shared by runs and processes")
            .withRuntimeDefault(defaultCacheFolder(), "decoded/ in $SPRITESTREAM_CACHE, else in ~/.cache/spritestream");
    public static final Setting<Long> CACHE_MAX_BYTES = Setting.longInteger("cache-max-bytes", 16_000_000_000L,
            0, Long.MAX_VALUE, "Most bytes the cache folder may hold: least recently used shards are evicted");

    /*
     * The run's other parts: what it reads, and values of their own that are checked where they are
     * made (their options are declared by PixelSpec, DecodeLimits, OrderSpec, KeySplit and
     * AugmentSpec). None is an option; they are keys of the same kind so that a config holds every
     * part of a run alike.
     */
    static final Setting<DatasetRef> DATASET = part("dataset", DatasetRef.class, null);
    static final Setting<String> TOPIC = part("topic", String.class, null);
    @SuppressWarnings("unchecked")
    static final Setting<List<OffsetRange>> RANGES = part("ranges", (Class<List<OffsetRange>>) (Class<?>) List.class, null);
    static final Setting<PixelSpec> PIXELS = part("pixels", PixelSpec.class,
            PixelSpec.of(PixelSpec.SIZE.defaultValue(), PixelSpec.CHANNELS.defaultValue(), PixelSpec.FIT.defaultValue()));
    static final Setting<DecodeLimits> LIMITS = part("limits", DecodeLimits.class, DecodeLimits.DEFAULT);
    static final Setting<OrderSpec> ORDER = part("order", OrderSpec.class, OrderSpec.inOffsetOrder());
    static final Setting<LoaderState> RESUME = part("resume", LoaderState.class, null);
    static final Setting<Path> SAVE_STATE = part("save-state", Path.class, null);
    /** The consumer group of a live tail (checked as {@link #GROUP} when given), or null for a bounded run. */
    static final Setting<String> FOLLOW = part("follow", String.class, null);
    static final Setting<KeySplit> KEY_SPLIT = part("key-split", KeySplit.class, null);
    /** Whether the class list the run starts with is the only one (a training run's): see {@link #fixedClasses()}. */
    static final Setting<Boolean> FIXED_CLASSES = part("fixed-classes", Boolean.class, false);
    static final Setting<AugmentSpec> AUGMENT = part("augment", AugmentSpec.class, AugmentSpec.NONE);

    /** Every part of a run, in the order {@link LoaderConfig#conclude()} checks them. */
    static final List<Setting<?>> PARTS = List.of(DATASET, TOPIC, RANGES, BATCH, PIXELS, EPOCHS, THREADS, MAX_BATCHES,
            DROP_LAST, LIMITS, SLABS, LEAK_DETECTION, ORDER, WORLD_SIZE, RANK, READ_AHEAD, ON_BAD_RECORD, RESUME,
            START_EPOCH, SAVE_STATE, FOLLOW, FOLLOW_MAX_HOLD, GROUP_PROTOCOL, GROUP_SESSION_TIMEOUT, KEY_SPLIT,
            FIXED_CLASSES, CACHE, CACHE_MAX_BYTES, AUGMENT);

    /** The parts a config was given, each checked; a part not here is at its declared default. */
    private final Map<Setting<?>, Object> asked;
    /** The state this run continues, moved to the start of the epoch asked for; or null. */
    private final LoaderState resume;
    private final int startEpoch;

    /** Checks every setting and how they go together (see {@link LoaderConfig#conclude()}). */
    LoaderSettings(LoaderConfig c) {
        this.asked = Collections.unmodifiableMap(new HashMap<>(c.asked()));
        for (Setting<?> part : PARTS) {
            if (asked.containsKey(part)) {
                check(part, asked.get(part));
            }
        }
        Integer epoch = asked(START_EPOCH);
        if (epoch != null && epoch >= epochs()) {
            throw InvalidSettingException.format("{start-epoch}: %s (expected 0..%s for {epochs} %s)", epoch,
                    epochs() - 1, epochs());
        }
        if (epoch != null && epoch > 0 && following()) {
            throw InvalidSettingException.format("{start-epoch}: a live tail has no epochs (expected no {follow})");
        }
        // A resumed run asked for an epoch starts at its beginning, in the resumed run's order.
        LoaderState state = value(RESUME);
        this.resume = state == null || epoch == null ? state
                : state.at(epoch, 0, List.of(), state.classes(), state.batchesDelivered(), state.samplesDelivered());
        this.startEpoch = resume != null ? resume.epoch() : epoch == null ? 0 : epoch;
        augment().checkFor(pixels());
        if (rank() >= worldSize()) {
            throw InvalidSettingException.format("{rank}: %s (expected 0..%s for {world-size} %s)", rank(),
                    worldSize() - 1, worldSize());
        }
        if (resume != null && !order().equals(resume.orderSpec())) {
            throw InvalidSettingException.format("the order (%s) differs from the resumed state's (%s): a resumed run "
                    + "keeps its order", order(), resume.orderSpec());
        }
        if (resume != null && !augment().equals(AugmentSpec.parse(resume.augment()))) {
            throw InvalidSettingException.format("{augment}: %s differs from the resumed state's (%s): a resumed run "
                    + "keeps its augmentation", augment(), AugmentSpec.parse(resume.augment()));
        }
        if (following() && (resume != null || saveStatePath() != null || worldSize() != 1 || ranges() != null)) {
            throw InvalidSettingException.format("{follow}: a live tail keeps its position in the consumer group "
                    + "(expected no {resume}, {save-state}, {rank}/{world-size} or time window)");
        }
        if (asked(GROUP_SESSION_TIMEOUT) != null && groupProtocol() == GroupProtocol.CONSUMER) {
            throw InvalidSettingException.format("{group-session-timeout}: the consumer protocol's session timeout is "
                    + "the cluster's (group.consumer.session.timeout.ms, or the group's consumer.session.timeout.ms) "
                    + "(expected no {group-session-timeout} with {group-protocol} consumer)");
        }
        if (following() && keySplit() != null) {
            throw InvalidSettingException.format("{validation-fraction}: a split by key reads a dataset version or a "
                    + "topic's ranges (expected no {follow})");
        }
    }

    /** Every declared setting of a loader run, for the command line's defaults and docs. */
    public static List<Setting<?>> declared() {
        List<Setting<?>> all = new ArrayList<>(List.of(BATCH, EPOCHS, START_EPOCH, THREADS, MAX_BATCHES, DROP_LAST, SLABS,
                LEAK_DETECTION, WORLD_SIZE, RANK, READ_AHEAD, ON_BAD_RECORD, GROUP, FOLLOW_MAX_HOLD, GROUP_PROTOCOL,
                GROUP_SESSION_TIMEOUT, KeySplit.VALIDATION_FRACTION, CACHE, CACHE_MAX_BYTES, AugmentSpec.SETTING));
        all.addAll(PixelSpec.settings());
        all.addAll(DecodeLimits.settings());
        all.addAll(OrderSpec.settings());
        return List.copyOf(all);
    }

    /** A config with these settings, to derive another run's from them. */
    public LoaderConfig toConfig() {
        return new LoaderConfig(this);
    }

    /** The parts a derived config starts from: these, a resumed run at the position it starts from. */
    Map<Setting<?>, Object> askedForDerivedRun() {
        Map<Setting<?>, Object> parts = new HashMap<>(asked);
        if (resume != null) {
            parts.put(RESUME, resume); // which holds its own start epoch
            parts.remove(START_EPOCH);
        }
        return parts;
    }

    /** A part as asked, or its declared default. */
    @SuppressWarnings("unchecked")
    private <T> T value(Setting<T> part) {
        return asked.containsKey(part) ? (T) asked.get(part) : part.defaultValue();
    }

    /** A part as asked, or null if it was not. */
    @SuppressWarnings("unchecked")
    private <T> T asked(Setting<T> part) {
        return (T) asked.get(part);
    }

    @SuppressWarnings("unchecked")
    private static <T> void check(Setting<T> setting, Object value) {
        setting.check((T) value);
    }

    /** A key of {@link #PARTS} that is not an option: any value (null too), checked where it is made. */
    private static <T> Setting<T> part(String name, Class<T> type, T defaultValue) {
        return Setting.of(name, type, defaultValue, null, v -> true, "a " + type.getSimpleName(),
                "A part of a loader run (not an option)");
    }

    /** The dataset version to read, or null (then {@link #topic()}). */
    public DatasetRef dataset() {
        return value(DATASET);
    }

    /** The bare topic to read, or null (then {@link #dataset()}). */
    public String topic() {
        return value(TOPIC);
    }

    /** Exactly these ranges (a time window, or a resumed state's), or null to resolve the source. */
    public List<OffsetRange> ranges() {
        return value(RANGES);
    }

    public int batchSize() {
        return value(BATCH);
    }

    public PixelSpec pixels() {
        return value(PIXELS);
    }

    public int epochs() {
        return value(EPOCHS);
    }

    public int threads() {
        return value(THREADS);
    }

    /** Batches after which the run stops; 0: no limit. */
    public long maxBatches() {
        return value(MAX_BATCHES);
    }

    public boolean dropLast() {
        return value(DROP_LAST);
    }

    public DecodeLimits limits() {
        return value(LIMITS);
    }

    /** The slabs of the pool as asked (0: automatic); {@link #effectiveSlabs()} is what the pool gets. */
    public int slabs() {
        return value(SLABS);
    }

    /** Slabs in the pool: as asked, or automatic (see {@link #SLABS}). */
    public int effectiveSlabs() {
        if (slabs() != 0) {
            return slabs();
        }
        int batchSize = batchSize();
        int floor = 2 * threads() + 4;
        long slabBytes = (long) batchSize * pixels().sampleBytes();
        long byMemory = Math.max(1, AUTO_POOL_BYTES / Math.max(1, slabBytes));
        long wanted = Math.min(AUTO_POOL_MAX_SLABS, (AUTO_POOL_SAMPLES + batchSize - 1) / batchSize);
        return (int) Math.max(floor, Math.min(wanted, byMemory));
    }

    public LeakDetection leakDetection() {
        return value(LEAK_DETECTION);
    }

    public OrderSpec order() {
        return value(ORDER);
    }

    public int worldSize() {
        return value(WORLD_SIZE);
    }

    public int rank() {
        return value(RANK);
    }

    /** Records fetched ahead of the one being handed out. */
    public int readAhead() {
        return value(READ_AHEAD);
    }

    public BadRecordPolicy onBadRecord() {
        return value(ON_BAD_RECORD);
    }

    /** The state this run continues, or null. */
    public LoaderState resumeState() {
        return resume;
    }

    /** Where the run keeps its state after every batch, or null. */
    public Path saveStatePath() {
        return value(SAVE_STATE);
    }

    /** The consumer group of a live tail, or null for a bounded run. */
    public String followGroup() {
        return value(FOLLOW);
    }

    public boolean following() {
        return value(FOLLOW) != null;
    }

    /** The longest a live tail's shuffle buffer holds a record. */
    public Duration followMaxHold() {
        return Duration.ofNanos(Math.round(value(FOLLOW_MAX_HOLD) * 1e9));
    }

    public GroupProtocol groupProtocol() {
        return value(GROUP_PROTOCOL);
    }

    /** How a live tail's member takes part in its group: the protocol, and the classic one's session timeout. */
    public GroupMembership groupMembership() {
        return groupProtocol() == GroupProtocol.CONSUMER ? GroupMembership.consumerProtocol()
                : GroupMembership.classic(value(GROUP_SESSION_TIMEOUT));
    }


    /** The side of a split by key this run reads, or null for every record. */
    public KeySplit keySplit() {
        return value(KEY_SPLIT);
    }

    /**
     * Whether the run's class list (the dataset version's, or a resumed state's) is the only one: a
     * record without a label, or with a label the list lacks, is then a dead letter
     * ({@code unlabelled}, {@code unknown_label}) rather than a sample with id -1 or a new id. A
     * training run's network has one output per class of that list. No effect on a run whose list
     * is empty (a bare topic).
     */
    public boolean fixedClasses() {
        return value(FIXED_CLASSES);
    }

    /** How every sample is augmented (none by default). */
    public AugmentSpec augment() {
        return value(AUGMENT);
    }

    /** The decoded-sample cache's folder, or null for none. A live tail is never cached. */
    public Path cache() {
        return value(CACHE);
    }

    /** Most bytes the cache folder may hold. */
    public long cacheMaxBytes() {
        return value(CACHE_MAX_BYTES);
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
