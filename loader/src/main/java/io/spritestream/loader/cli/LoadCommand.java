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
import io.spritestream.metrics.MetricsServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code load}: reads a dataset version (or a topic) into batches, as a training job would. */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
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

    @Option(names = "--batch", paramLabel = "B", description = "Samples per batch (default: 64, or the resumed run's).")
    Integer batch;

    @Mixin
    PixelOptions pixels;

    @Option(names = "--epochs", paramLabel = "E", description = "Epochs (default: 1, or the resumed run's).")
    Integer epochs;

    @Mixin
    ReplayOptions replay;

    @Option(names = "--threads", paramLabel = "N", description = "Decode threads (default: the number of cores).")
    Integer threads;

    @Option(names = "--max-batches", defaultValue = "0", paramLabel = "N", description = "Stop after N batches (0: no limit).")
    long maxBatches;

    @Option(names = "--drop-last", description = "Leave out each epoch's last, partial batch.")
    boolean dropLast;

    @Option(names = "--max-pixels", defaultValue = "16777216", paramLabel = "N",
            description = "Images declaring more pixels are dead-lettered before decoding (default: ${DEFAULT-VALUE}).")
    long maxPixels;

    @Option(names = "--max-record-bytes", defaultValue = "16777216", paramLabel = "N",
            description = "Larger records are dead-lettered (default: ${DEFAULT-VALUE}).")
    int maxRecordBytes;

    @Option(names = "--on-bad-record", defaultValue = "dlq", paramLabel = "dlq|skip|fail",
            description = "A record that cannot become a sample: written to <topic>.dlq, only counted, or the run "
                    + "stops naming it (default: ${DEFAULT-VALUE}).")
    BadRecordPolicy onBadRecord;

    @Option(names = "--slabs", defaultValue = "0", paramLabel = "N",
            description = "Batch slabs in the memory pool (default: room for 2,048 samples, 2 x threads + 4 to 64 slabs, at most 256 MB).")
    int slabs;

    @Option(names = "--leak-detection", defaultValue = "simple", paramLabel = "LEVEL",
            description = "off, simple or paranoid (default: ${DEFAULT-VALUE}).")
    LeakDetection leakDetection;

    @Option(names = "--report-json", paramLabel = "FILE", description = "Write a JSON report of the run.")
    Path reportJson;

    @Option(names = "--export-npy", paramLabel = "DIR",
            description = "Write what was delivered as images.npy, labels.npy, keys.txt, offsets.txt, classes.txt.")
    Path exportNpy;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;

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
        config.pixels(pixels.spec())
                .threads(threads != null ? threads : Runtime.getRuntime().availableProcessors())
                .maxBatches(maxBatches).dropLast(dropLast).limits(new DecodeLimits(maxPixels, maxRecordBytes))
                .slabs(slabs).leakDetection(leakDetection).onBadRecord(onBadRecord)
                .notices(message -> spec.commandLine().getErr().println(message)).build();
        try (MetricsServer server = metrics.start(out());
             NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            RunReport report = new LoadRun(config, settings, manager).exportTo(exportNpy).quiet(quiet)
                    .listener(LoaderMetrics.listener(server)).run();
            out().println(report.summary());
            if (reportJson != null) {
                report.write(reportJson);
                out().println("report: " + reportJson);
            }
            if (exportNpy != null) {
                out().println("exported: " + exportNpy + " (images.npy, labels.npy, keys.txt, offsets.txt, classes.txt)");
            }
        }
        return 0;
    }
}
