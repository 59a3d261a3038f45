package io.spritestream.loader.cli;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.config.Sizes;
import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.VerboseOption;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.bench.Bench;
import io.spritestream.loader.bench.BenchReport;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.SourceResolver;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.cli.SyntheticOptions;
import io.spritestream.producer.source.DirectorySource;
import io.spritestream.producer.source.SpriteSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bench}: throughput of the loader against its ceiling and a naive baseline, on the same records. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.Benchmark.NAME,
        description = {"Measures on the same records and thread count: the decode ceiling (OpenCV on bytes in "
                + "memory), Kafka read alone, the loader end to end, and a naive Java baseline (ImageIO, float "
                + "arrays, copying NDArrays); prints samples/s, MB/s, heap bytes per sample and the ratios. "
                + "Runs on an embedded broker unless --bootstrap is given, over 20,000 synthetic sprites unless "
                + "--synthetic, --dataset or --dir says otherwise."},
        footer = {"", "Examples:", "  bench --synthetic 20000 --size 32", "  bench --synthetic 20000 --size 72 --target-size 64",
                "  bench --bootstrap 127.0.0.1:9092 --dataset icons --simulate-step-ms 20 --report-json bench.json"})
public final class BenchCommand implements Callable<Integer> {

    @Mixin
    VerboseOption verbose;

    @Spec
    CommandSpec spec;

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "A running cluster (default: an embedded broker).")
    String bootstrap;

    @Option(names = "--kafka-config", paramLabel = "FILE", descriptionKey = "kafka-config.doc")
    Path kafkaConfig;

    /** Sprites produced when neither {@code --synthetic}, {@code --dataset} nor {@code --dir} says otherwise. */
    static final int DEFAULT_SPRITES = 20_000;

    @Mixin
    SyntheticOptions synthetic;

    @Option(names = "--dataset", paramLabel = "NAME[@V]", description = "Measure an existing dataset instead.")
    String dataset;

    @Option(names = "--dir", paramLabel = "PATH", description = "Produce this folder (PATH/<label>/...) and measure it.")
    Path dir;

    @Option(names = "--target-size", paramLabel = "S|WxH", description = "Size of each sample (default: --size).")
    String targetSize;

    @Option(names = "--channels", defaultValue = "${bundle:channels.default}", descriptionKey = "channels.doc",
            paramLabel = "C")
    int channels;

    @Option(names = "--threads", paramLabel = "N", description = "Decode threads for every stage (default: the number of cores).")
    Integer threads;

    @Option(names = "--batch", defaultValue = "${bundle:batch.default}", descriptionKey = "batch.doc", paramLabel = "B")
    int batch;

    @Option(names = "--repeat", defaultValue = "${bundle:repeat.default}", descriptionKey = "repeat.doc", paramLabel = "R")
    int repeat;

    @Option(names = "--epochs", defaultValue = "${bundle:epochs.default}", paramLabel = "E", description = "Epochs per "
            + "loader run; the ceiling and Kafka read go over the records as often (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--naive-samples", defaultValue = "${bundle:naive-samples.default}",
            descriptionKey = "naive-samples.doc", paramLabel = "N")
    int naiveSamples;

    @Option(names = "--simulate-step-ms", defaultValue = "${bundle:simulate-step-ms.default}",
            descriptionKey = "simulate-step-ms.doc", paramLabel = "T")
    double simulateStepMs;

    @Option(names = "--warmup", defaultValue = "${bundle:warmup.default}", descriptionKey = "warmup.doc", paramLabel = "S")
    double warmup;

    @Option(names = "--no-cache", description = "Leave out the two stages of the decoded-sample cache (filling an "
            + "empty cache, and every epoch from a warm one; both in temporary folders).")
    boolean noCache;

    @Option(names = "--augment", paramLabel = "SPEC", defaultValue = "${bundle:augment.default}",
            description = "The augmentation the 'decode + augment' stage applies after each decode, timed apart from "
                    + "it (default: ${DEFAULT-VALUE}, i.e. " + AugmentSpec.DEFAULT_TEXT + "; none: no such stage).")
    String augment;

    @Option(names = "--cold", defaultValue = "${bundle:cold.default}", descriptionKey = "cold.doc", paramLabel = "N")
    int cold;

    @Option(names = "--report-json", paramLabel = "FILE", description = "Write the results as JSON.")
    Path reportJson;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int[] wh = Sizes.parse(targetSize != null ? "target-size" : "size",
                targetSize != null ? targetSize : String.valueOf(synthetic.size()));
        Bench.Options options = new Bench.Options(threads != null ? threads : LoaderSettings.THREADS.defaultValue(),
                batch, new PixelSpec(wh[0], wh[1], channels, Fit.PAD), repeat, epochs, simulateStepMs, naiveSamples, warmup,
                !noCache, AugmentSpec.parse(augment), Bench.Cold.NONE);
        Bench.Options.COLD.check(cold);
        EmbeddedKafka broker = null;
        try {
            KafkaSettings kafka;
            if (bootstrap == null) {
                err.println("starting an embedded Kafka broker ...");
                broker = EmbeddedKafka.start();
                kafka = KafkaSettings.of(broker.bootstrapServers());
            } else {
                kafka = KafkaSettings.of(bootstrap).withConfigFile(kafkaConfig);
            }
            ResolvedSource source = source(kafka, err);
            if (cold > 0) {
                options = withColdStarts(options, kafka, source);
            }
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
                BenchReport report = new Bench(kafka, source, manager, options, err::println).run();
                out.println(report.table());
                if (reportJson != null) {
                    report.write(reportJson);
                    out.println("report: " + reportJson);
                }
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
        }
        return 0;
    }

    /**
     * The cold cases' processes: through the launcher next to the jar when there is one (and also as
     * plain {@code java -jar}), else as {@code java -jar}; the same dataset version the stages read.
     */
    private Bench.Options withColdStarts(Bench.Options options, KafkaSettings kafka, ResolvedSource source)
            throws java.net.URISyntaxException {
        Path jar = Path.of(BenchCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
            throw new IllegalStateException("--cold starts the packaged loader: run bench from its jar "
                    + "(java -jar loader/target/spritestream-loader.jar bench ...)");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> plain = List.of(java, "-jar", jar.toString());
        Path launcher = jar.resolveSibling("spritestream");
        List<String> args = new ArrayList<>(List.of("--bootstrap", kafka.bootstrap(), "--dataset",
                source.manifest().orElseThrow().key()));
        if (kafkaConfig != null) {
            args.addAll(List.of("--kafka-config", kafkaConfig.toAbsolutePath().toString()));
        }
        Bench.Cold cold = Files.isExecutable(launcher)
                ? new Bench.Cold(this.cold, "target/spritestream", List.of(launcher.toString()), plain, args)
                : new Bench.Cold(this.cold, "java -jar", plain, null, args);
        return new Bench.Options(options.threads(), options.batch(), options.pixels(), options.repeat(), options.epochs(),
                options.simulateStepMs(), options.naiveSamples(), options.warmupSeconds(), options.cache(),
                options.augment(), cold);
    }

    private ResolvedSource source(KafkaSettings kafka, PrintWriter err) throws IOException {
        SourceResolver resolver = new SourceResolver(kafka);
        if (dataset != null) {
            return resolver.dataset(DatasetRef.parse(dataset));
        }
        SpriteSource sprites = dir != null ? new DirectorySource(dir) : synthetic.sprites(DEFAULT_SPRITES);
        if (sprites instanceof DirectorySource folder) {
            folder.skippedWarnings().forEach(err::println);
        }
        String name = dir != null ? "bench-dir" : "bench-" + synthetic.size() + "px";
        err.println("producing " + sprites.describe() + " as dataset '" + name + "' ...");
        var manifest = new SpriteProducer(kafka).produce(sprites, ProduceRequest.of(name), n -> { }).manifest();
        return resolver.dataset(DatasetRef.parse(manifest.key()));
    }
}
