package io.spritestream.loader.cli;

import io.spritestream.cli.Printable;
import io.spritestream.record.SpriteRecords;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.metrics.LoaderMetrics;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.StartupTimeline;
import io.spritestream.metrics.MetricsServer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code load}: reads a dataset version (or a topic) into batches, as a training job would. */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.NAME,
        description = {"Loads a dataset from Kafka into batches of decoded sprites in pooled off-heap memory (what "
                + "a training job views as zero-copy DJL arrays), closing each batch at once, and reports the throughput."},
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

    @Mixin
    LoaderOptions loader;

    @Mixin
    ReportOptions report;

    @Option(names = "--export-npy", paramLabel = "DIR",
            description = "Write what was delivered as images.npy, labels.npy, keys.txt, offsets.txt, classes.txt.")
    Path exportNpy;

    @Mixin
    MetricsOptions metrics;

    /**
     * The pixel options given on the command line, as given: a state file keeps the run's order and
     * position, not the samples' size, so a resume is given them again.
     */
    private String givenPixelOptions() {
        StringBuilder sb = new StringBuilder();
        picocli.CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        for (String option : java.util.List.of("--size", "--channels", "--fit")) {
            if (parsed.hasMatchedOption(option)) {
                java.util.List<String> given = parsed.matchedOption(option).originalStringValues();
                sb.append(' ').append(option).append(' ').append(given.get(given.size() - 1)); // the last one counts
            }
        }
        return sb.toString();
    }

    @Override
    public Integer call() throws Exception {
        StartupTimeline.mark("command");
        KafkaSettings settings = kafka.settings();
        // The order (the seed to run it again), a resumed position: said once the source resolved, so that a
        // dataset that is not there is the only line.
        java.io.StringWriter said = new java.io.StringWriter();
        LoaderSettings run = loader.settings(target.dataset, target.topic, settings, new java.io.PrintWriter(said, true));
        // A signal wakes a run waiting for its next batch (a live tail with nothing new to read).
        java.util.concurrent.atomic.AtomicReference<Runnable> waker = new java.util.concurrent.atomic.AtomicReference<>(
                () -> { });
        try (MetricsServer server = metrics.start(out());
             SignalStop signal = new SignalStop("load", () -> waker.get().run())) {
            RunObservers observers = LoaderMetrics.observers(server)
                    .withNotices(message -> spec.commandLine().getErr().println(message));
            LoadRun load = new LoadRun(run, settings).exportTo(exportNpy).quiet(report.quiet)
                    .observers(observers).stopWhen(signal::requested).whenOpen(() -> {
                        out().print(said);
                        out().flush();
                    });
            waker.set(load::wake);
            RunReport result = load.run();
            out().println(result.summary());
            String deadLetters = result.deadLetterLine(SpriteRecords.deadLetterTopicFor(result.topic()));
            if (deadLetters != null) {
                out().println(Printable.of(deadLetters));
            }
            if (load.stopped()) {
                out().println("stopped by a signal after " + result.batches() + " batch(es)"
                        + (run.saveStatePath() != null ? ": the state file has the position (continue with: load "
                        + "--resume " + run.saveStatePath() + kafka.hintFor(settings) + givenPixelOptions() + ")" : ""));
            }
            if (report.reportJson != null) {
                result.write(report.reportJson);
                out().println("report: " + report.reportJson);
            }
            if (exportNpy != null) {
                out().println("exported: " + exportNpy + " (" + load.exportedRows() + " samples: images.npy, labels.npy, "
                        + "keys.txt, offsets.txt, classes.txt)");
            }
            out().flush();
        }
        return 0;
    }
}
