package io.spritestream.loader.bench;

import io.spritestream.loader.augment.AugmentSpec;
import ai.djl.ndarray.NDManager;
import io.spritestream.config.Setting;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.ingest.OrderedSink;
import io.spritestream.loader.ingest.RangeReader;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.RecordTarget;
import io.spritestream.loader.replay.RecordSpace;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * Measures, on the same records and with the same thread count: the decode ceiling (OpenCV decode
 * and conversion of the record bytes held in memory, nothing else), Kafka read alone, the loader end
 * to end (batches closed at once), and a naive Java baseline (ImageIO decode, a float array per
 * sample, a copying {@code NDManager.create} per sample, then {@code stack}); optionally a trainer
 * that holds each batch for a while. Each stage runs {@code repeat} times; the median is reported.
 */
public final class Bench {

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
    private final DecodeStages decode;
    private final LoaderStages loading;
    private final NaiveBaseline naive;
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
        this.decode = new DecodeStages(options);
        this.loading = new LoaderStages(kafka, source, manager, options, progress);
        this.naive = new NaiveBaseline(manager, options);
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
                        case "decode ceiling" -> decode.ceiling(records);
                        case AUGMENTED -> decode.augmented(records);
                        case "kafka read" -> loading.kafkaRead();
                        case "loader" -> loading.loader(0, LoaderStages.CacheUse.NONE);
                        case "naive java" -> naive.naive(naiveSet);
                        case FILLING -> loading.loader(0, LoaderStages.CacheUse.FILLING);
                        case CACHED -> loading.loader(0, LoaderStages.CacheUse.CACHED);
                        default -> loading.loader(options.simulateStepMs, LoaderStages.CacheUse.NONE);
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
            loading.deleteCaches();
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
                loading.cacheRoot(), progress).run(cold.runs());
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
            loading.loader(0, cached ? LoaderStages.CacheUse.CACHED : LoaderStages.CacheUse.NONE);
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
}
