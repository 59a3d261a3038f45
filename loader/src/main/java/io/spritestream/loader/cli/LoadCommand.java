package io.spritestream.loader.cli;

import ai.djl.ndarray.NDManager;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.metrics.LoaderMetrics;
import io.spritestream.loader.pipeline.BadRecordPolicy;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.metrics.MetricsServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code load}: reads a dataset version (or a topic) into batches, as a training job would. */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.NAME,
        description = {"Loads a dataset from Kafka into batches of decoded sprites (zero-copy DJL arrays over "
                + "pooled off-heap memory), closing each batch at once, and reports the throughput."},
        footer = {"", "Examples:",
                "  load --dataset demo --epochs 2 --report-json report.json",
                "  load --dataset demo@1 --size 64 --fit crop --export-npy out/",
                "  load --topic sprites.icons --batch 128 --threads 4",
                "  load --dataset demo --epochs 100 --metrics-port 9400   (Prometheus at http://127.0.0.1:9400/metrics)"})
public final class LoadCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    VerboseOption verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out() {
        return spec.commandLine().getOut();
    }

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nWhat to read (one of, or --resume):%n")
    Target target = new Target();

    static final class Target {
        @Option(names = "--dataset", paramLabel = "NAME[@V]", description = "A dataset version (default: the latest).")
        String dataset;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "A bare topic, from its beginning to its end at start.")
        String topic;
    }

    @Option(names = "--batch", paramLabel = "B",
            description = "Samples per batch (default: ${bundle:batch.default}, or the resumed run's).")
    Integer batch;

    @Mixin
    PixelOptions pixels;

    @Option(names = "--epochs", paramLabel = "E",
            description = "Epochs (default: ${bundle:epochs.default}, or the resumed run's).")
    Integer epochs;

    @Mixin
    ReplayOptions replay;

    @Option(names = "--threads", paramLabel = "N", descriptionKey = "threads.doc")
    Integer threads;

    @Option(names = "--max-batches", defaultValue = "${bundle:max-batches.default}", descriptionKey = "max-batches.doc",
            paramLabel = "N")
    long maxBatches;

    @Option(names = "--drop-last", descriptionKey = "drop-last.doc")
    boolean dropLast;

    @Option(names = "--max-pixels", defaultValue = "${bundle:max-pixels.default}", descriptionKey = "max-pixels.doc",
            paramLabel = "N")
    long maxPixels;

    @Option(names = "--max-record-bytes", defaultValue = "${bundle:max-record-bytes.default}",
            descriptionKey = "max-record-bytes.doc", paramLabel = "N")
    int maxRecordBytes;

    @Option(names = "--on-bad-record", defaultValue = "${bundle:on-bad-record.default}",
            descriptionKey = "on-bad-record.doc", paramLabel = "dlq|skip|fail")
    BadRecordPolicy onBadRecord;

    @Option(names = "--slabs", defaultValue = "${bundle:slabs.default}", descriptionKey = "slabs.doc", paramLabel = "N")
    int slabs;

    @Option(names = "--leak-detection", defaultValue = "${bundle:leak-detection.default}",
            descriptionKey = "leak-detection.doc", paramLabel = "LEVEL")
    LeakDetection leakDetection;

    @Mixin
    CacheOptions cache;

    @Mixin
    ReportOptions report;

    @Option(names = "--export-npy", paramLabel = "DIR",
            description = "Write what was delivered as images.npy, labels.npy, keys.txt, offsets.txt, classes.txt.")
    Path exportNpy;

    @Mixin
    MetricsOptions metrics;

    @Override
    public Integer call() throws Exception {
        KafkaSettings settings = kafka.settings();
        LoaderConfig config = replay.start(target.dataset, target.topic, settings, out());
        if (batch != null) {
            config.batchSize(batch);
        }
        if (epochs != null) {
            config.epochs(epochs);
        }
        if (threads != null) {
            config.threads(threads);
        }
        LoaderSettings run = cache.applyTo(config).pixels(pixels.spec()).maxBatches(maxBatches).dropLast(dropLast)
                .limits(new DecodeLimits(maxPixels, maxRecordBytes)).slabs(slabs).leakDetection(leakDetection)
                .onBadRecord(onBadRecord).conclude();
        try (MetricsServer server = metrics.start(out());
             NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            LoaderListener listener = LoaderMetrics.listener(server)
                    .withNotices(message -> spec.commandLine().getErr().println(message));
            RunReport result = new LoadRun(run, settings, manager).exportTo(exportNpy).quiet(report.quiet)
                    .listener(listener).run();
            out().println(result.summary());
            if (report.reportJson != null) {
                result.write(report.reportJson);
                out().println("report: " + report.reportJson);
            }
            if (exportNpy != null) {
                out().println("exported: " + exportNpy + " (images.npy, labels.npy, keys.txt, offsets.txt, classes.txt)");
            }
        }
        return 0;
    }
}
