package io.spritestream.loader.bench;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.augment.Augmenter;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.spritestream.config.Setting;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.OpenCvNatives;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.decode.SpriteDecoder;
import io.spritestream.loader.ingest.OrderedSink;
import io.spritestream.loader.ingest.RangeReader;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.RecordTarget;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.replay.EpochOrder;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.RecordSpace;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * Measures, on the same records and with the same thread count: the decode ceiling (OpenCV decode
 * and conversion of the record bytes held in memory, nothing else), Kafka read alone, the loader end
 * to end (batches closed at once), and a naive Java baseline (ImageIO decode, a float array per
 * sample, a copying {@code NDManager.create} per sample, then {@code stack}); optionally a trainer
 * that holds each batch for a while. Each stage runs {@code repeat} times; the median is reported.
 */
public final class Bench {

    /** The order every loader stage uses (a shuffle, the default of {@code load}). */
    private static final OrderSpec LOADER_ORDER = OrderSpec.shuffled(1);

    /**
     * @param threads         decode threads, for every stage
     * @param batch           samples per batch
     * @param pixels          what each sample becomes
     * @param repeat          runs per stage (median reported)
     * @param epochs          epochs per loader run
     * @param simulateStepMs  a trainer holding each batch this long (0: skip that stage)
     * @param naiveSamples    samples the naive baseline decodes per run (it is slow)
     * @param warmupSeconds   loader runs, not timed, before the stages (so JIT compilation of the
     *                        Kafka client and the pipeline is not timed; a training job runs for hours)
     */
    public record Options(int threads, int batch, PixelSpec pixels, int repeat, int epochs, double simulateStepMs,
                          int naiveSamples, double warmupSeconds, boolean cache, AugmentSpec augment, Cold cold) {

        /** Rounds of every stage, interleaved; each stage's median is reported. */
        public static final Setting<Integer> REPEAT = Setting.integer("repeat", 3, 1, Integer.MAX_VALUE,
                "Rounds of every stage, interleaved; each stage's median is reported");
        /** The loader's epochs, with the bench's default. */
        public static final Setting<Integer> EPOCHS = LoaderSettings.EPOCHS.withDefault(3);
        public static final Setting<Integer> NAIVE_SAMPLES = Setting.integer("naive-samples", 4000, 1,
                Integer.MAX_VALUE, "Samples the naive baseline decodes per run");
        public static final Setting<Double> SIMULATE_STEP_MS = Setting.decimal("simulate-step-ms", 0, 0,
                "Also run a trainer that holds each batch T ms and report how much it waited; 0: no such stage");
        /** Finite: an infinite warm-up would never end. */
        public static final Setting<Double> WARMUP = Setting.decimal("warmup", 10, 0, "Seconds of loader runs, then "
                + "one round of every stage, not timed, so JIT compilation is not timed; 0: none");
        /** The augmentation of the "decode + augment" stage, with the bench's default. */
        public static final Setting<String> AUGMENT = AugmentSpec.SETTING.withDefault("default");
        public static final Setting<Integer> COLD = Setting.of("cold", Integer.class, 0, "0", n -> n != null && n >= 0,
                "0 or more fresh processes per case", "After the warm stages, N fresh processes per cold case (load "
                        + "without the cache, filling a new one and from it, feed; and load as plain java -jar), each "
                        + "timed from its start to its first and last batch, over the same records and --epochs; 0: "
                        + "none. Needs the packaged jar; processes start through the launcher next to it "
                        + "(target/spritestream) if there is one");

        public Options {
            LoaderSettings.THREADS.check(threads);
            LoaderSettings.BATCH.check(batch);
            REPEAT.check(repeat);
            EPOCHS.check(epochs);
            SIMULATE_STEP_MS.check(simulateStepMs);
            NAIVE_SAMPLES.check(naiveSamples);
            WARMUP.check(warmupSeconds);
            augment.checkFor(pixels);
        }

        /** Every declared setting of the bench's own (its loader's are {@link LoaderSettings}'). */
        public static List<Setting<?>> declared() {
            return List.of(REPEAT, EPOCHS, NAIVE_SAMPLES, SIMULATE_STEP_MS, WARMUP, AUGMENT, COLD);
        }
    }

    /**
     * Cold starts after the warm stages ({@link ColdStarts}), or none.
     *
     * @param runs     fresh processes per case (0: none)
     * @param launch   how a process starts: the command before the loader's arguments
     * @param plainJar {@code java -jar} when {@code launch} is the launcher, else null
     * @param source   the loader's arguments that name the records (bootstrap, dataset, client config)
     */
    public record Cold(int runs, String launchName, List<String> launch, List<String> plainJar, List<String> source) {
        public static final Cold NONE = new Cold(0, null, List.of(), null, List.of());
    }

    private final KafkaSettings kafka;
    private final ResolvedSource source;
    private final NDManager manager;
    private final Options options;
    private final Consumer<String> progress;
    private Path cacheRoot;
    /** Stage names of the cache's two stages. */
    static final String FILLING = "loader filling";
    static final String CACHED = "loader cached";
    /** Stage name of the ceiling with augmentation, decode and augmentation timed apart. */
    static final String AUGMENTED = "decode + augment";

    public Bench(KafkaSettings kafka, ResolvedSource source, NDManager manager, Options options, Consumer<String> progress) {
        this.kafka = kafka;
        this.source = source;
        this.manager = manager;
        this.options = options;
        this.progress = progress;
    }

    public BenchReport run() throws Exception {
        progress.accept("reading " + source.describe() + " into memory for the decode stages ...");
        List<byte[]> records = readAll();
        long encodedBytes = records.stream().mapToLong(b -> b.length).sum();
        warmUp();
        List<byte[]> naiveSet = records.subList(0, Math.min(records.size(), options.naiveSamples));
        List<String> names = new ArrayList<>(List.of("decode ceiling", "kafka read", "loader", "naive java"));
        if (options.simulateStepMs > 0) {
            names.add("loader + step");
        }
        if (options.cache) {
            names.add(FILLING);
            names.add(CACHED);
        }
        if (!options.augment.isNone()) {
            names.add(AUGMENTED);
        }
        List<List<BenchReport.Stage>> runs = new ArrayList<>();
        names.forEach(n -> runs.add(new ArrayList<>()));
        try (DirectMemoryPeak direct = new DirectMemoryPeak()) {
            // Round by round, every stage once a round: a machine that speeds up or slows down over
            // the run (other tenants, clocks) affects every stage alike, and the ratios stay fair.
            // With a warm-up, round 0 runs every stage once, not counted: code the stages share (the
            // reader, the decoder) is compiled again for all of its callers before anything is timed.
            for (int round = options.warmupSeconds > 0 ? 0 : 1; round <= options.repeat; round++) {
                for (int i = 0; i < names.size(); i++) {
                    String name = names.get(i);
                    progress.accept(name + " " + (round == 0 ? "warm-up" : round + "/" + options.repeat) + " ...");
                    BenchReport.Stage stage = switch (name) {
                        case "decode ceiling" -> ceiling(records);
                        case AUGMENTED -> augmented(records);
                        case "kafka read" -> kafkaRead();
                        case "loader" -> loader(0, CacheUse.NONE);
                        case "naive java" -> naive(naiveSet);
                        case FILLING -> loader(0, CacheUse.FILLING);
                        case CACHED -> loader(0, CacheUse.CACHED);
                        default -> loader(options.simulateStepMs, CacheUse.NONE);
                    };
                    if (round > 0) {
                        runs.get(i).add(stage);
                    }
                }
            }
            List<BenchReport.Stage> stages = new ArrayList<>();
            for (List<BenchReport.Stage> r : runs) {
                stages.add(median(r));
            }
            BenchReport report = BenchReport.of(source.describe(), records.size(), encodedBytes, options, stages,
                    direct.peakBytes(), Runtime.getRuntime().availableProcessors());
            return options.cold.runs() > 0 ? report.withCold(coldStarts()) : report;
        } finally {
            deleteCaches();
        }
    }

    /** The cold cases, each in {@code cold.runs} fresh processes over the same records as the stages. */
    private List<ColdStarts.Result> coldStarts() throws IOException, InterruptedException {
        Cold cold = options.cold;
        PixelSpec p = options.pixels;
        List<String> args = new ArrayList<>(cold.source());
        args.addAll(List.of("--size", p.width() + "x" + p.height(), "--channels", Integer.toString(p.channels()),
                "--fit", "pad", "--batch", Integer.toString(options.batch), "--threads", Integer.toString(options.threads)));
        ColdStarts.Launch plain = cold.plainJar() == null ? null : new ColdStarts.Launch("java -jar", cold.plainJar());
        return new ColdStarts(new ColdStarts.Launch(cold.launchName(), cold.launch()), plain, args, options.epochs,
                cacheRoot(), progress).run(cold.runs());
    }

    /** Loader runs, not timed, until the warm-up time is over. */
    private void warmUp() throws Exception {
        if (options.warmupSeconds <= 0) {
            return;
        }
        progress.accept(String.format(java.util.Locale.ROOT, "warming up for %.0f s (loader runs, not timed) ...",
                options.warmupSeconds));
        long until = System.nanoTime() + (long) (options.warmupSeconds * 1e9);
        boolean cached = false;
        do {
            // With the cache's stages, runs alternate with one from a warm cache: its code is compiled too.
            loader(0, cached ? CacheUse.CACHED : CacheUse.NONE);
            cached = options.cache && !cached;
        } while (System.nanoTime() < until);
    }

    private static BenchReport.Stage median(List<BenchReport.Stage> runs) {
        List<BenchReport.Stage> sorted = new ArrayList<>(runs);
        sorted.sort((a, b) -> Double.compare(a.samplesPerSecond(), b.samplesPerSecond()));
        return sorted.get(sorted.size() / 2);
    }

    /** Every record's value, in offset order (not timed). */
    private List<byte[]> readAll() throws InterruptedException {
        List<byte[]> values = new ArrayList<>();
        RecordSpace space = new RecordSpace(source.ranges());
        int[] offsetOrder = new int[space.size()];
        java.util.Arrays.setAll(offsetOrder, i -> i);
        RecordTarget keep = (record, position) -> {
            ByteBuffer v = record.value();
            if (v != null) {
                byte[] copy = new byte[v.remaining()];
                v.duplicate().get(copy);
                values.add(copy);
            }
        };
        OrderedSink sink = new OrderedSink(space, offsetOrder, 0, 4096, keep);
        try (RangeReader reader = new RangeReader(kafka, source.topic(), 8192, false)) {
            reader.notices(progress);
            reader.read(sink.fetchPlan(), sink);
        }
        sink.finish();
        return values;
    }

    /** (a) OpenCV decode + conversion of in-memory bytes, {@code threads} threads, nothing else. */
    private BenchReport.Stage ceiling(List<byte[]> records) throws Exception {
        OpenCvNatives.load();
        SpriteDecoder.useSingleThreadedOpenCv();
        ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-bench-decode"));
        ExecutorService pool = Executors.newFixedThreadPool(options.threads, named("spritestream-bench-decode"));
        try {
            // As many samples as a loader run delivers (one pass per epoch), so both are timed as long.
            int[] passes = {1};
            List<Callable<Long>> tasks = new ArrayList<>();
            for (int t = 0; t < options.threads; t++) {
                int first = t;
                tasks.add(() -> {
                    PixelSpec p = options.pixels;
                    ByteBuffer memory = ByteBuffer.allocateDirect(p.sampleBytes());
                    Mat slot = new Mat(p.height(), p.width(), CvType.CV_8UC(p.channels()), memory);
                    long ok = 0;
                    try (SpriteDecoder decoder = new SpriteDecoder(p, DecodeLimits.DEFAULT)) {
                        for (int pass = 0; pass < passes[0]; pass++) {
                            for (int i = first; i < records.size(); i += options.threads) {
                                if (decoder.decodeInto(ByteBuffer.wrap(records.get(i)), slot) == null) {
                                    ok++;
                                }
                            }
                        }
                    } finally {
                        slot.release();
                        // The Mat does not keep its memory reachable: without this, the buffer may be
                        // collected while OpenCV still writes into it.
                        java.lang.ref.Reference.reachabilityFence(memory);
                    }
                    return ok;
                });
            }
            return timed("decode ceiling", pool, tasks, passes, alloc, () -> { });
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Runs one task untimed (thread start-up and first-use costs), then {@code afterWarmUp}, then
     * every task over {@code options.epochs} passes, timed: samples done, seconds, CPU and the
     * allocations of the pool's threads.
     */
    private BenchReport.Stage timed(String name, ExecutorService pool, List<Callable<Long>> tasks, int[] passes,
                                    ThreadAllocations alloc, Runnable afterWarmUp) throws Exception {
        pool.invokeAll(tasks.subList(0, 1));
        afterWarmUp.run();
        passes[0] = options.epochs;
        CpuUse cpu = new CpuUse(roles("bench"));
        cpu.start();
        alloc.start();
        long began = System.nanoTime();
        long ok = 0;
        for (Future<Long> f : pool.invokeAll(tasks)) {
            ok += f.get();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return stage(name, ok, seconds, ok * options.pixels.sampleBytes(), alloc.bytesSinceStart())
                .withCpu(cpu.coresSinceStart());
    }

    /**
     * The ceiling's work, each decoded sample then augmented in place as the loader's decoders do it;
     * each thread times the two apart (one clock read between them).
     */
    private BenchReport.Stage augmented(List<byte[]> records) throws Exception {
        OpenCvNatives.load();
        SpriteDecoder.useSingleThreadedOpenCv();
        ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-bench-augment"));
        ExecutorService pool = Executors.newFixedThreadPool(options.threads, named("spritestream-bench-augment"));
        try {
            int[] passes = {1};
            java.util.concurrent.atomic.LongAdder decodeNanos = new java.util.concurrent.atomic.LongAdder();
            java.util.concurrent.atomic.LongAdder augmentNanos = new java.util.concurrent.atomic.LongAdder();
            List<Callable<Long>> tasks = new ArrayList<>();
            for (int t = 0; t < options.threads; t++) {
                int first = t;
                tasks.add(() -> {
                    PixelSpec p = options.pixels;
                    ByteBuffer memory = ByteBuffer.allocateDirect(p.sampleBytes());
                    Mat slot = new Mat(p.height(), p.width(), CvType.CV_8UC(p.channels()), memory);
                    long ok = 0;
                    long decoding = 0;
                    long augmenting = 0;
                    try (SpriteDecoder decoder = new SpriteDecoder(p, DecodeLimits.DEFAULT);
                         Augmenter augmenter = new Augmenter(options.augment, p)) {
                        for (int pass = 0; pass < passes[0]; pass++) {
                            for (int i = first; i < records.size(); i += options.threads) {
                                long began = System.nanoTime();
                                if (decoder.decodeInto(ByteBuffer.wrap(records.get(i)), slot) == null) {
                                    long decoded = System.nanoTime();
                                    augmenter.apply(slot, 1, pass, 0, i);
                                    augmenting += System.nanoTime() - decoded;
                                    decoding += decoded - began;
                                    ok++;
                                }
                            }
                        }
                    } finally {
                        slot.release();
                        java.lang.ref.Reference.reachabilityFence(memory);
                    }
                    decodeNanos.add(decoding);
                    augmentNanos.add(augmenting);
                    return ok;
                });
            }
            BenchReport.Stage stage = timed(AUGMENTED, pool, tasks, passes, alloc, () -> {
                decodeNanos.reset();
                augmentNanos.reset();
            });
            long ok = Math.max(1, stage.samples());
            return stage.withSplit(decodeNanos.sum() / 1e3 / ok, augmentNanos.sum() / 1e3 / ok);
        } finally {
            pool.shutdownNow();
        }
    }

    /** (b) The same records from Kafka in the loader's order (same blocks, same fetches, same epochs), read and dropped. */
    private BenchReport.Stage kafkaRead() throws InterruptedException {
        ThreadAllocations alloc = new ThreadAllocations(n -> n.equals(Thread.currentThread().getName()));
        long[] count = {0};
        RecordSpace space = new RecordSpace(source.ranges());
        RecordTarget target = (record, position) -> count[0]++;
        try (RangeReader reader = new RangeReader(kafka, source.topic(), 8192, LOADER_ORDER.shuffle())) {
            CpuUse cpu = new CpuUse(roles("reader"));
            cpu.start();
            alloc.start();
            long began = System.nanoTime();
            OrderedSink sink = null;
            for (int epoch = 0; epoch < options.epochs; epoch++) {
                int[] order = EpochOrder.compute(space, LOADER_ORDER, epoch, List.of(), 1, 0);
                sink = sink == null ? new OrderedSink(space, order, 0, LOADER_ORDER.blockSize(), target)
                        : sink.following(order, 0, target);
                reader.read(sink.fetchPlan(), sink);
            }
            double seconds = (System.nanoTime() - began) / 1e9;
            return stage("kafka read", count[0], seconds, reader.bytesRead(), alloc.bytesSinceStart())
                    .withCpu(cpu.coresSinceStart());
        }
    }

    /** How a loader stage uses the decoded-sample cache. */
    private enum CacheUse {
        /** No cache: every epoch decodes (the loader as it was). */
        NONE,
        /** First epochs, each over an empty cache that it fills. */
        FILLING,
        /** Every epoch from a cache filled beforehand (not timed). */
        CACHED
    }

    /**
     * (c) The loader, batches closed at once; (e) with a trainer that holds each batch; the loader
     * filling an empty cache (as many one-epoch runs as the others have epochs, each over a new
     * cache), and the loader with every sample in the cache.
     */
    private BenchReport.Stage loader(double stepMs, CacheUse use) throws Exception {
        if (use == CacheUse.CACHED) {
            warmCache();
        }
        Measured m = new Measured();
        int runs = use == CacheUse.FILLING ? options.epochs : 1;
        for (int r = 0; r < runs; r++) {
            Path cache = switch (use) {
                case NONE -> null;
                case FILLING -> Files.createTempDirectory(cacheRoot(), "filling-");
                case CACHED -> cacheRoot().resolve("warm");
            };
            LoaderSettings config = LoaderConfig.ranges(source.topic(), source.ranges()).batchSize(options.batch)
                    .pixels(options.pixels).threads(options.threads).epochs(use == CacheUse.FILLING ? 1 : options.epochs)
                    .order(LOADER_ORDER).cache(cache).conclude();
            String caller = Thread.currentThread().getName();
            ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-")
                    && !n.startsWith("spritestream-bench") || n.equals(caller));
            CpuUse cpu = new CpuUse(roles("trainer"));
            alloc.start();
            SpriteLoader loader = SpriteLoader.open(config, kafka, manager, LoaderListener.NONE.withNotices(progress));
            try (loader) {
                timedRun(loader, stepMs, cpu, m);
                // Before closing: the pipeline's threads end with the loader, and their figures with them.
                m.add(cpu.coresSinceStart(), alloc.bytesSinceStart());
                if (use == CacheUse.CACHED && loader.stats().cacheHits() < loader.stats().samplesDelivered()) {
                    progress.accept("cached stage: only " + loader.stats().cacheHits() + " of "
                            + loader.stats().samplesDelivered() + " samples came from the cache");
                }
            } finally {
                if (use == CacheUse.FILLING) {
                    deleteTree(cache);
                }
            }
        }
        double seconds = m.nanos / 1e9;
        String name = use == CacheUse.FILLING ? FILLING : use == CacheUse.CACHED ? CACHED
                : stepMs > 0 ? "loader + step" : "loader";
        BenchReport.Stage s = stage(name, m.samples, seconds, m.samples * options.pixels.sampleBytes(), m.allocated)
                .withCpu(m.cores());
        return stepMs > 0 ? s.withTrainerWait(m.waitNanos / 1e9 / seconds) : s;
    }

    /** What one loader stage measured, over one run or several. */
    private static final class Measured {
        long samples;
        long nanos;
        long waitNanos;
        long allocated;
        private long runNanos;
        private final java.util.Map<String, Double> coreNanos = new java.util.LinkedHashMap<>();

        /** A run's CPU (cores over its timed part) and allocation. */
        void add(java.util.Map<String, Double> cores, long bytes) {
            cores.forEach((role, c) -> coreNanos.merge(role, c * runNanos, Double::sum));
            allocated += bytes;
        }

        /** Cores busy on average over every run's timed part. */
        java.util.Map<String, Double> cores() {
            java.util.Map<String, Double> avg = new java.util.LinkedHashMap<>();
            coreNanos.forEach((role, n) -> avg.put(role, nanos == 0 ? 0 : n / nanos));
            return avg;
        }
    }

    /**
     * Takes every batch of {@code loader}, timed from its first batch (so opening: consumer,
     * metadata, first fetch, is not counted, as the ceiling does not count reading the bytes).
     */
    private static void timedRun(SpriteLoader loader, double stepMs, CpuUse cpu, Measured m)
            throws InterruptedException {
        long began = 0;
        while (true) {
            long asked = System.nanoTime();
            SpriteBatch next = loader.next();
            if (began != 0) {
                m.waitNanos += System.nanoTime() - asked;
            }
            if (next == null) {
                break;
            }
            try (SpriteBatch batch = next) {
                if (began == 0) {
                    began = System.nanoTime();
                    cpu.start();
                    continue;
                }
                m.samples += batch.size();
                if (stepMs > 0) {
                    holdFor(stepMs);
                }
            }
        }
        m.runNanos = System.nanoTime() - began;
        m.nanos += m.runNanos;
    }

    /** A folder of this bench's caches, deleted when it ends. */
    private Path cacheRoot() throws IOException {
        if (cacheRoot == null) {
            cacheRoot = Files.createTempDirectory("spritestream-bench-cache-");
        }
        return cacheRoot;
    }

    /** Fills the warm cache once (one epoch, not timed). */
    private void warmCache() throws Exception {
        Path warm = cacheRoot().resolve("warm");
        if (Files.isDirectory(warm)) {
            return;
        }
        progress.accept("filling the decoded cache for the cached stage (not timed) ...");
        LoaderSettings fill = LoaderConfig.ranges(source.topic(), source.ranges()).batchSize(options.batch)
                .pixels(options.pixels).threads(options.threads).epochs(1).order(LOADER_ORDER).cache(warm).conclude();
        try (SpriteLoader loader = SpriteLoader.open(fill, kafka, manager, LoaderListener.NONE.withNotices(progress))) {
            for (SpriteBatch b = loader.next(); b != null; b = loader.next()) {
                b.close();
            }
        }
    }

    private void deleteCaches() {
        if (cacheRoot != null) {
            deleteTree(cacheRoot);
        }
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder: left for the OS to clean
        }
    }

    /**
     * Holds the batch like a training step on an accelerator would: the host thread waits for the
     * device rather than burning a core, so the loader keeps the CPUs.
     */
    private static void holdFor(double ms) {
        long until = System.nanoTime() + (long) (ms * 1e6);
        for (long left = until - System.nanoTime(); left > 0; left = until - System.nanoTime()) {
            java.util.concurrent.locks.LockSupport.parkNanos(left);
        }
    }

    /** (d) ImageIO decode, per-sample float arrays, copying create per sample, stack per batch. */
    private BenchReport.Stage naive(List<byte[]> records) throws Exception {
        PixelSpec p = options.pixels;
        ExecutorService pool = Executors.newFixedThreadPool(options.threads, named("spritestream-bench-naive"));
        ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-bench-naive")
                || n.equals(Thread.currentThread().getName()));
        try (NDManager naive = manager.newSubManager()) {
            CpuUse cpu = new CpuUse(roles("naive main"));
            cpu.start();
            alloc.start();
            long began = System.nanoTime();
            long samples = 0;
            for (int from = 0; from < records.size(); from += options.batch) {
                List<Callable<float[]>> decodes = new ArrayList<>();
                for (int i = from; i < Math.min(records.size(), from + options.batch); i++) {
                    byte[] bytes = records.get(i);
                    decodes.add(() -> naiveSample(bytes, p));
                }
                NDList arrays = new NDList();
                for (Future<float[]> f : pool.invokeAll(decodes)) {
                    float[] pixels = f.get();
                    if (pixels != null) {
                        arrays.add(naive.create(pixels, new Shape(p.height(), p.width(), p.channels())));
                    }
                }
                if (!arrays.isEmpty()) {
                    try (NDArray stacked = NDArrays.stack(arrays)) {
                        samples += stacked.getShape().get(0);
                    }
                }
                arrays.close();
            }
            double seconds = (System.nanoTime() - began) / 1e9;
            return stage("naive java", samples, seconds, samples * p.sampleBytes(), alloc.bytesSinceStart())
                    .withCpu(cpu.coresSinceStart());
        } finally {
            pool.shutdownNow();
        }
    }

    /** What a straightforward Java loader does: ImageIO, getRGB per pixel, floats in [0, 1]. */
    static float[] naiveSample(byte[] bytes, PixelSpec p) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (image == null) {
            return null;
        }
        if (image.getWidth() != p.width() || image.getHeight() != p.height()) {
            AffineTransform scale = AffineTransform.getScaleInstance((double) p.width() / image.getWidth(),
                    (double) p.height() / image.getHeight());
            BufferedImage scaled = new BufferedImage(p.width(), p.height(), BufferedImage.TYPE_INT_ARGB);
            new AffineTransformOp(scale, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(toArgb(image), scaled);
            image = scaled;
        }
        float[] out = new float[p.sampleBytes()];
        int i = 0;
        for (int y = 0; y < p.height(); y++) {
            for (int x = 0; x < p.width(); x++) {
                int argb = image.getRGB(x, y);
                int[] rgba = {argb >>> 16 & 0xFF, argb >>> 8 & 0xFF, argb & 0xFF, argb >>> 24};
                for (int c = 0; c < p.channels(); c++) {
                    out[i++] = rgba[c] / 255f;
                }
            }
        }
        return out;
    }

    private static BufferedImage toArgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_ARGB) {
            return image;
        }
        BufferedImage argb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_ARGB);
        argb.getGraphics().drawImage(image, 0, 0, null);
        return argb;
    }

    private static BenchReport.Stage stage(String name, long samples, double seconds, long bytes, long heap) {
        return new BenchReport.Stage(name, samples, seconds, samples / seconds, bytes / seconds / 1e6,
                samples == 0 ? 0 : (double) heap / samples, null, null, null, null);
    }

    /** Roles of threads for the CPU breakdown; the calling thread plays {@code callerRole}. */
    private static java.util.function.Function<String, String> roles(String callerRole) {
        String caller = Thread.currentThread().getName();
        return name -> name.equals(caller) ? callerRole : role(name);
    }

    private static String role(String thread) {
        if (thread.startsWith("spritestream-decoder") || thread.startsWith("spritestream-bench-decode")
                || thread.startsWith("spritestream-bench-augment")
                || thread.startsWith("spritestream-bench-naive")) {
            return "decode";
        }
        if (thread.startsWith("spritestream-reader")) {
            return "reader";
        }
        if (thread.startsWith("spritestream-assembler")) {
            return "assembler";
        }
        if (thread.startsWith("spritestream-")) {
            return "loader other";
        }
        String t = thread.toLowerCase(java.util.Locale.ROOT);
        if (t.contains("kafka") || t.contains("broker") || t.contains("raft") || t.contains("controller")
                || t.contains("log") || t.contains("request-handler") || t.contains("network")) {
            return "broker";
        }
        return "other java";
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        int[] n = {0};
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n[0]++);
            t.setDaemon(true);
            return t;
        };
    }
}
