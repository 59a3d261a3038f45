package io.spritestream.producer.cli;

import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.ConsoleProgress;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.MetricsOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.config.Sizes;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.metrics.MetricsServer;
import io.spritestream.producer.ProduceListener;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.ProduceResult;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.metrics.ProducerMetrics;
import io.spritestream.producer.source.DirectorySource;
import io.spritestream.producer.source.SpriteSheetSource;
import io.spritestream.producer.source.SpriteSource;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code produce}: streams a folder, a sprite sheet or the synthetic set to a dataset topic. */
@Command(name = "produce", mixinStandardHelpOptions = true, sortOptions = false,
        resourceBundle = ProducerSettingsBundle.NAME,
        description = {"Streams sprites to Kafka (one record per sprite) and records the finished stream "
                + "as a new version of the dataset in the catalog (spritestream.catalog)."},
        footer = {"", "Examples:",
                "  produce --dataset demo --synthetic 20000 --classes 8 --size 32",
                "  produce --dataset icons --dir ./icons        (labels = first folder under ./icons)",
                "  produce --dataset tiles --sheet sheet.png --tile 16x16"})
public final class ProduceCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    VerboseOption verbose;

    @Mixin
    MetricsOptions metrics;

    @Spec
    CommandSpec spec;

    @Option(names = "--dataset", required = true, paramLabel = "NAME", description = "Dataset name.")
    String dataset;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "%nSource (one of):%n")
    SourceOptions source;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "Topic (default: sprites.<dataset>).")
    String topic;

    @Option(names = "--partitions", defaultValue = "${bundle:partitions.default}", descriptionKey = "partitions.doc",
            paramLabel = "P")
    int partitions;

    @Option(names = "--rate", defaultValue = "${bundle:rate.default}", descriptionKey = "rate.doc", paramLabel = "N")
    double rate;

    @Option(names = "--append", description = "The new version is the latest version plus these sprites "
            + "(nothing already there is sent again); without it, the new version holds only these sprites.")
    boolean append;

    @Option(names = "--resume", description = "Finish a run that did not: the records on the topic that no version "
            + "covers (what it left; 'datasets' lists them) go into the new version, and sprites whose keys they hold "
            + "are not sent again. Give the same source (and --append if the run had it).")
    boolean resume;

    @Option(names = "--if-absent", description = "Produce only if the dataset has no version yet; otherwise say which "
            + "it has and exit 0 (a seed job that can run again without adding a version).")
    boolean ifAbsent;

    @Option(names = "--quiet", description = "No progress bar (warnings are still printed).")
    boolean quiet;

    static final class SourceOptions {
        @ArgGroup(exclusive = false)
        DirOptions dir;

        @ArgGroup(exclusive = false)
        SyntheticOptions synthetic;

        @ArgGroup(exclusive = false)
        SheetOptions sheet;
    }

    static final class DirOptions {
        @Option(names = "--dir", required = true, paramLabel = "PATH",
                description = "A folder of images: PATH/<label>/.../<file>; images directly in PATH are skipped "
                        + "unless --root-label is given. Every file skipped, and every file sent whose first bytes "
                        + "are not the image its extension says or a PNG cut short, is named in a warning at the end.")
        Path dir;

        @Option(names = "--root-label", paramLabel = "NAME",
                description = "Class of the images lying directly in the --dir folder (default: skip them).")
        String rootLabel;
    }

    static final class SheetOptions {
        @Option(names = "--sheet", required = true, paramLabel = "PNG", description = "A sprite sheet to cut into tiles.")
        Path sheet;

        @Option(names = "--tile", required = true, paramLabel = "WxH", description = "Tile size, e.g. 16x16.")
        String tile;

        @Option(names = "--label", paramLabel = "NAME", description = "Label of every tile (default: the sheet's name).")
        String label;
    }

    @Override
    public Integer call() throws Exception {
        ProduceRequest request = new ProduceRequest(dataset, topic, partitions, rate, append, resume);
        if (ifAbsent && append) {
            throw new ParameterException(spec.commandLine(), "--if-absent and --append exclude each other "
                    + "(--append adds to an existing version; --if-absent produces only when there is none)");
        }
        SpriteSource sprites = openSource();
        if (ifAbsent) {
            java.util.Optional<DatasetManifest> existing = existingVersion();
            if (existing.isPresent()) {
                spec.commandLine().getOut().printf("dataset %s already has a version (latest %s, %d records); "
                        + "nothing produced (--if-absent)%n", dataset, existing.get().key(), existing.get().count());
                spec.commandLine().getOut().flush();
                return 0;
            }
        }
        ProduceResult result;
        try (MetricsServer server = metrics.start(spec.commandLine().getOut())) {
            ProduceListener listener = server == null ? ProduceListener.NONE : new ProducerMetrics(server.registry());
            SpriteProducer producer = new SpriteProducer(kafka.settings(), listener).withNotices(line -> {
                spec.commandLine().getErr().println(line);
                spec.commandLine().getErr().flush();
            });
            if (quiet) {
                result = producer.produce(sprites, request, n -> { });
            } else {
                try (ProgressBar bar = ConsoleProgress.bar("produce " + dataset, sprites.size(), "records")) {
                    result = producer.produce(sprites, request, bar::stepTo);
                }
            }
        }
        spec.commandLine().getOut().println(result.summary());
        spec.commandLine().getOut().flush();
        warnAboutSkippedAndSuspect(sprites, result);
        return 0;
    }

    private java.util.Optional<DatasetManifest> existingVersion() throws java.io.IOException {
        KafkaSettings settings = kafka.settings();
        try (Admin admin = settings.newAdmin("spritestream-producer-admin")) {
            settings.requireReachable(admin);
        }
        return new DatasetCatalog(settings).find(DatasetRef.parse(dataset));
    }

    /** Warnings, not progress: printed with --quiet too, after the summary, where the progress bar cannot hide them. */
    private void warnAboutSkippedAndSuspect(SpriteSource sprites, ProduceResult result) {
        java.util.List<String> lines = new java.util.ArrayList<>();
        if (sprites instanceof DirectorySource folder) {
            lines.addAll(folder.skippedWarnings());
        }
        result.suspectWarning().ifPresent(lines::add);
        lines.forEach(spec.commandLine().getErr()::println);
        spec.commandLine().getErr().flush();
    }

    private SpriteSource openSource() throws java.io.IOException {
        if (source.dir != null) {
            return new DirectorySource(source.dir.dir, source.dir.rootLabel);
        }
        if (source.synthetic != null) {
            return source.synthetic.sprites(0);
        }
        SheetOptions s = source.sheet;
        int[] tile = Sizes.parse("tile", s.tile);
        return new SpriteSheetSource(s.sheet, tile[0], tile[1], s.label);
    }
}
