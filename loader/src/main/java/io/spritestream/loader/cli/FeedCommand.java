package io.spritestream.loader.cli;

import io.spritestream.record.SpriteRecords;
import io.spritestream.cli.Printable;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.config.Setting;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.feed.FeedRun;
import io.spritestream.loader.metrics.LoaderMetrics;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.StartupTimeline;
import io.spritestream.metrics.MetricsServer;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code feed}: a loading run into a shared-memory ring that another process (the Python package's
 * {@code SpriteStream}) views without a copy, spoken to over standard input and output.
 */
@Command(name = "feed", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.NAME,
        description = {"Loads a dataset into a shared-memory ring of batch slots that another process views "
                + "without a copy (the Python package's SpriteStream starts it; see README, 'From PyTorch').",
                "Standard output carries the feed's protocol (R, C, B, N, E lines), standard input the viewer's "
                        + "answers (T index, F slot); everything for people goes to standard error."},
        footer = {"", "Examples:",
                "  feed --dataset demo --size 64 --epochs 3",
                "  feed --dataset demo --size 64 --epochs 10 --seed 7 --start-epoch 4",
                "  feed --dataset icons --rank 1 --world-size 4 --ring-dir /dev/shm"})
public final class FeedCommand implements Callable<Integer>, io.spritestream.cli.Cli.KeywordCaller {

    /** The folder of the ring's file. */
    static final Setting<Path> RING_DIR = Setting.path("ring-dir", "/dev/shm", "The folder of the ring's file, a tmpfs");

    @Mixin
    KafkaOptions kafka;

    @Mixin
    VerboseOption verbose;

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nWhat to read (one of, or --resume):%n")
    LoadCommand.Target target = new LoadCommand.Target();

    @Mixin
    LoaderOptions loader;

    @Option(names = "--start-epoch", paramLabel = "E",
            description = "The epoch the run starts in, from its beginning (default: ${bundle:start-epoch.default}; "
                    + "with --resume, where the "
                    + "state stood): the batches of that epoch and the later ones of a run started at 0.")
    Integer startEpoch;

    @Option(names = "--ring-dir", paramLabel = "DIR", defaultValue = "${bundle:ring-dir.default}",
            descriptionKey = "ring-dir.doc")
    Path ringDir;

    @Option(names = "--report-json", paramLabel = "FILE", description = "Write a JSON report of the run.")
    Path reportJson;

    @Mixin
    MetricsOptions metrics;

    @Option(names = "--keyword-messages", hidden = true,
            description = "Name settings in error messages as the Python package's keyword arguments (slabs=).")
    boolean keywordMessages;

    @Override
    public boolean namesSettingsAsKeywords() {
        return keywordMessages;
    }

    @Override
    public Integer call() throws Exception {
        StartupTimeline.mark("command");
        PrintWriter err = spec.commandLine().getErr();
        KafkaSettings settings = kafka.settings();
        // What the options say (the seed) is printed once --start-epoch is known good too: a bad option is the only line.
        java.io.StringWriter said = new java.io.StringWriter();
        LoaderSettings asked = loader.settings(target.dataset, target.topic, settings, new PrintWriter(said, true));
        LoaderSettings run = startEpoch == null ? asked : asked.toConfig().startEpoch(startEpoch).conclude();
        err.print(said);
        // Standard output is the protocol's: whatever else prints there (a library) goes to standard error.
        OutputStream protocol = new FileOutputStream(FileDescriptor.out);
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true));
        try (MetricsServer server = metrics.start(err)) {
            RunObservers observers = LoaderMetrics.observers(server).withNotices(message -> {
                err.println(message);
                err.flush();
            });
            err.flush();
            RunReport report = new FeedRun(run, settings, ringDir).observers(observers)
                    .run(new FileInputStream(FileDescriptor.in), protocol);
            if (report == null) {
                err.println("feed: stopped by the viewer");
            } else {
                err.println(report.summary());
                String deadLetters = report.deadLetterLine(SpriteRecords.deadLetterTopicFor(report.topic()));
                if (deadLetters != null) {
                    err.println(Printable.of(deadLetters));
                }
                if (reportJson != null) {
                    report.write(reportJson);
                }
            }
            err.flush();
        } finally {
            System.setOut(stdout);
        }
        return 0;
    }
}
