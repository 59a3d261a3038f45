package io.spritestream.loader.cli;

import ai.djl.Device;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.ConsoleProgress;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.config.Setting;
import io.spritestream.loader.export.ConfusionPicture;
import io.spritestream.loader.export.ContactSheet;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.train.DeviceChoice;
import io.spritestream.loader.train.Evaluation;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code evaluate}: a saved model over a dataset version, with a confusion matrix to look at. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.NAME,
        description = {"Runs a saved SpriteNet (train --save-model, or a checkpoint) over a dataset version, or over "
                + "the validation side it was trained with: accuracy, per-class precision and recall, a confusion matrix "
                + "as a PNG (class names on the axes), and a contact sheet of the samples it got most wrong."},
        footer = {"", "Examples:",
                "  evaluate --model models/icons --validation",
                "  evaluate --model models/icons --dataset icons@3 --worst 64 --report-json eval.json"})
public final class EvaluateCommand implements Callable<Integer> {

    static final Setting<Integer> WORST = Setting.integer("worst", 32, 0, 1024,
            "Samples in the sheet of the worst classified; 0: no sheet");
    static final Setting<Path> CONFUSION_PNG = Setting.path("confusion-png", "spritestream-confusion.png",
            "The confusion matrix picture");
    static final Setting<Path> WORST_PNG = Setting.path("worst-png", "spritestream-worst.png",
            "The worst-classified samples, each captioned true>predicted");

    /** Every declared setting of its own. */
    static List<Setting<?>> declared() {
        return List.of(DeviceChoice.SETTING, WORST, CONFUSION_PNG, WORST_PNG);
    }

    @Mixin
    KafkaOptions kafka;

    @Mixin
    VerboseOption verbose;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "A --save-model folder or a checkpoint folder.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "%nWhat to evaluate on (one of):%n")
    Data data;

    static final class Data {
        @Option(names = "--dataset", paramLabel = "NAME[@V]", description = "A dataset version (default version: the latest).")
        String dataset;

        @Option(names = "--validation", description = "The validation side of the split the model was trained with "
                + "(its dataset version and fraction, as train recorded them).")
        boolean validation;
    }

    @Option(names = "--batch", defaultValue = "${bundle:batch.default}", descriptionKey = "batch.doc", paramLabel = "B")
    int batch;

    @Option(names = "--threads", descriptionKey = "threads.doc", paramLabel = "N")
    Integer threads;

    @Option(names = "--device", defaultValue = "${bundle:device.default}", descriptionKey = "device.doc",
            paramLabel = "DEVICE")
    DeviceChoice device;

    @Option(names = "--worst", defaultValue = "${bundle:worst.default}", descriptionKey = "worst.doc", paramLabel = "N")
    int worst;

    @Option(names = "--confusion-png", defaultValue = "${bundle:confusion-png.default}",
            descriptionKey = "confusion-png.doc", paramLabel = "FILE")
    Path confusionPng;

    @Option(names = "--worst-png", defaultValue = "${bundle:worst-png.default}", descriptionKey = "worst-png.doc",
            paramLabel = "FILE")
    Path worstPng;

    @Mixin
    CacheOptions cache;

    @Mixin
    ReportOptions report;

    @Override
    public Integer call() throws Exception {
        WORST.check(worst);
        PrintWriter out = spec.commandLine().getOut();
        Evaluation.SavedModel saved = Evaluation.SavedModel.read(model);
        LoaderConfig config;
        String side;
        if (data.validation) {
            if (saved.dataset() == null || saved.validationFraction() == null || saved.validationFraction() <= 0) {
                throw new IllegalArgumentException("--validation: " + model + " does not say which split it was trained "
                        + "with (a model trained with validation records its dataset and fraction; use --dataset)");
            }
            config = LoaderConfig.dataset(DatasetRef.parse(saved.dataset())).keySplit(
                    KeySplit.validation(saved.validationFraction()));
            side = "validation side (" + saved.validationFraction() + " of the keys)";
        } else {
            config = LoaderConfig.dataset(DatasetRef.parse(data.dataset));
            side = "every record";
        }
        config.batchSize(batch).pixels(saved.pixels());
        if (threads != null) {
            config.threads(threads);
        }
        LoaderSettings settings = cache.applyTo(config).conclude();
        Device target = device.resolve();
        Evaluation.Result result;
        ProgressBar[] bar = new ProgressBar[1];
        try {
            result = Evaluation.run(saved, settings, kafka.settings(), target, worst, side, new Evaluation.Progress() {
                @Override
                public void expected(long samples) {
                    if (!report.quiet) {
                        bar[0] = ConsoleProgress.bar("evaluate", samples, "sprites");
                    }
                }

                @Override
                public void done(long samples) {
                    if (bar[0] != null) {
                        bar[0].stepBy(samples);
                    }
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].maxHint(bar[0].getCurrent()); // the split's share was an estimate
                bar[0].close();
            }
        }
        boolean drawn = result.classes().size() <= ConfusionPicture.MAX_CLASSES;
        if (drawn) {
            ConfusionPicture.write(result.classes(), result.confusion(), confusionPng);
        }
        Path sheet = null;
        if (!result.worst().isEmpty()) {
            sheet = worstPng;
            writeWorst(result, saved, sheet);
        }
        result = result.withPictures(drawn ? confusionPng : null, sheet);
        out.printf(Locale.ROOT, "evaluated %s (%d classes) on %s, %s: %d samples, accuracy %.3f%s%n", model,
                saved.classes().size(), result.dataset(), side, result.samples(), result.accuracy(),
                result.unknownClass() == 0 ? "" : " (" + result.unknownClass() + " of classes the model does not know, "
                        + "left out)");
        out.printf(Locale.ROOT, "%-20s %9s %9s %9s %9s%n", "class", "precision", "recall", "f1", "support");
        for (Evaluation.ClassScore s : result.perClass()) {
            out.printf(Locale.ROOT, "%-20s %9.3f %9.3f %9.3f %9d%n", s.name(), s.precision(), s.recall(), s.f1(), s.support());
        }
        out.println(!drawn ? "confusion matrix: not drawn (" + result.classes().size() + " classes; a picture shows at most "
                + ConfusionPicture.MAX_CLASSES + ")"
                : "confusion matrix: " + confusionPng + " (" + result.classes().size() + " x " + result.classes().size()
                + " cells: rows are true classes, columns predicted; darker is more of the row)");
        if (sheet != null) {
            out.println("worst classified: " + sheet + " (" + result.worst().size() + " samples, captioned true>predicted)");
        }
        if (report.reportJson != null) {
            result.write(report.reportJson);
            out.println("report: " + report.reportJson);
        }
        return 0;
    }

    private static void writeWorst(Evaluation.Result result, Evaluation.SavedModel saved, Path file) throws Exception {
        List<Evaluation.Miss> worst = result.worst();
        int sampleBytes = saved.pixels().sampleBytes();
        ByteBuffer pixels = ByteBuffer.allocate(worst.size() * sampleBytes);
        for (Evaluation.Miss m : worst) {
            pixels.put(m.pixels());
        }
        int caption = worst.stream().mapToInt(m -> m.trueClass().length() + 1 + m.predicted().length()).max().orElse(8);
        int scale = Math.min(8, Math.max(1, (caption * 8 + saved.pixels().width() - 1) / saved.pixels().width()));
        ContactSheet.Layout layout = new ContactSheet.Layout(0, scale, 2, true, true);
        ContactSheet.write(ContactSheet.render(pixels, worst.size(), saved.pixels().height(), saved.pixels().width(),
                saved.pixels().channels(), i -> worst.get(i).trueClass() + ">" + worst.get(i).predicted(), layout), file);
    }
}
