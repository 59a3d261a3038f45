package io.spritestream.loader.bench;

import ai.djl.ndarray.NDManager;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.ingest.OrderedSink;
import io.spritestream.loader.ingest.RangeReader;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.RecordTarget;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.replay.EpochOrder;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.RecordSpace;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * The stages of {@link Bench} that read Kafka: Kafka read alone (the loader's fetch pattern, records
 * dropped), the loader end to end (batches closed at once), with a simulated trainer, filling an
 * empty decoded-sample cache, and from a warm one; and the temporary caches they use.
 */
final class LoaderStages {

    /** The order every loader stage uses (a shuffle, the default of {@code load}). */
    static final OrderSpec LOADER_ORDER = OrderSpec.shuffled(1);

    private final KafkaSettings kafka;
    private final ResolvedSource source;
    private final NDManager manager;
    private final Bench.Options options;
    private final Consumer<String> progress;
    private Path cacheRoot;

    LoaderStages(KafkaSettings kafka, ResolvedSource source, NDManager manager, Bench.Options options,
                 Consumer<String> progress) {
        this.kafka = kafka;
        this.source = source;
        this.manager = manager;
        this.options = options;
        this.progress = progress;
    }

    /** (b) The same records from Kafka in the loader's order (same blocks, same fetches, same epochs), read and dropped. */
    BenchReport.Stage kafkaRead() throws InterruptedException {
        ThreadAllocations alloc = new ThreadAllocations(n -> n.equals(Thread.currentThread().getName()));
        long[] count = {0};
        RecordSpace space = new RecordSpace(source.ranges());
        RecordTarget target = (record, position) -> count[0]++;
        try (RangeReader reader = new RangeReader(kafka, source.topic(), 8192, LOADER_ORDER.shuffle())) {
            CpuUse cpu = new CpuUse(StageFigures.roles("reader"));
            cpu.start();
            alloc.start();
            long began = System.nanoTime();
            OrderedSink sink = null;
            for (int epoch = 0; epoch < options.epochs(); epoch++) {
                int[] order = EpochOrder.compute(space, LOADER_ORDER, epoch, List.of(), 1, 0);
                sink = sink == null ? new OrderedSink(space, order, 0, LOADER_ORDER.blockSize(), target)
                        : sink.following(order, 0, target);
                reader.read(sink.fetchPlan(), sink);
            }
            double seconds = (System.nanoTime() - began) / 1e9;
            return StageFigures.stage("kafka read", count[0], seconds, reader.bytesRead(), alloc.bytesSinceStart())
                    .withCpu(cpu.coresSinceStart());
        }
    }

    /** How a loader stage uses the decoded-sample cache. */
    enum CacheUse {
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
    BenchReport.Stage loader(double stepMs, CacheUse use) throws Exception {
        if (use == CacheUse.CACHED) {
            warmCache();
        }
        Measured m = new Measured();
        int runs = use == CacheUse.FILLING ? options.epochs() : 1;
        for (int r = 0; r < runs; r++) {
            Path cache = switch (use) {
                case NONE -> null;
                case FILLING -> Files.createTempDirectory(cacheRoot(), "filling-");
                case CACHED -> cacheRoot().resolve("warm");
            };
            LoaderSettings config = LoaderConfig.ranges(source.topic(), source.ranges()).batchSize(options.batch())
                    .pixels(options.pixels()).threads(options.threads()).epochs(use == CacheUse.FILLING ? 1 : options.epochs())
                    .order(LOADER_ORDER).cache(cache).conclude();
            String caller = Thread.currentThread().getName();
            EndedThreads ended = new EndedThreads();
            ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-")
                    && !n.startsWith("spritestream-bench") || n.equals(caller), ended);
            CpuUse cpu = new CpuUse(StageFigures.roles("trainer"), ended);
            alloc.start();
            SpriteLoader loader = SpriteLoader.open(config, kafka, manager,
                    ended.recording(RunObservers.NONE.withNotices(progress)));
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
        String name = use == CacheUse.FILLING ? Bench.FILLING : use == CacheUse.CACHED ? Bench.CACHED
                : stepMs > 0 ? "loader + step" : "loader";
        BenchReport.Stage s = StageFigures.stage(name, m.samples, seconds, m.samples * options.pixels().sampleBytes(), m.allocated)
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
    Path cacheRoot() throws IOException {
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
        LoaderSettings fill = LoaderConfig.ranges(source.topic(), source.ranges()).batchSize(options.batch())
                .pixels(options.pixels()).threads(options.threads()).epochs(1).order(LOADER_ORDER).cache(warm).conclude();
        try (SpriteLoader loader = SpriteLoader.open(fill, kafka, manager, RunObservers.NONE.withNotices(progress))) {
            for (SpriteBatch b = loader.next(); b != null; b = loader.next()) {
                b.close();
            }
        }
    }

    void deleteCaches() {
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

}
