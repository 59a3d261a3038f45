package io.spritestream.loader.cli;

import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.Setting;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.export.ContactSheet;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.SpriteLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.augment.Augmenter;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.OrderSpec;
import java.nio.ByteBuffer;

/** {@code preview}: a PNG contact sheet of one batch exactly as the loader delivers it. */
@Command(name = "preview", mixinStandardHelpOptions = true, sortOptions = false, resourceBundle = LoaderSettingsBundle.NAME,
        description = {"Writes a PNG contact sheet of one batch as the loader delivers it (after decoding, channel "
                + "conversion and --fit): every sample in a grid, upscaled with nearest-neighbour, optionally with its "
                + "class name, so you can check colours, alpha and fitting by eye."},
        footer = {"", "Examples:",
                "  preview --dataset demo --labels",
                "  preview --dataset icons --size 64 --fit crop --checker --output icons-crop.png",
                "  preview --topic sprites.icons --skip 10 --batch 32 --columns 8 --scale 4",
                "  preview --dataset demo --augment default --checker        (the batch as training sees it)",
                "  preview --dataset demo --augment flip-h,translate:3,hue:30 --augment-grid 8 --checker"})
public final class PreviewCommand implements Callable<Integer> {

    static final Setting<Long> SKIP = Setting.longInteger("skip", 0, 0, Long.MAX_VALUE, "Batches to skip first");
    static final Setting<Integer> COLUMNS = Setting.of("columns", Integer.class, null, null,
            c -> c == null || c >= 1 && c <= 256, "1..256, or leave it out for about square",
            "Cells per row, 1..256 (default: about square)");
    static final Setting<Integer> SCALE = Setting.of("scale", Integer.class, null, null,
            c -> c == null || c >= 1 && c <= 32, "1..32, or leave it out for cells at least 64 pixels wide",
            "Nearest-neighbour upscaling factor, 1..32 (default: cells at least 64 pixels wide)");
    static final Setting<Path> OUTPUT = Setting.path("output", "spritestream-preview.png", "The PNG to write");
    static final Setting<Integer> AUGMENT_GRID = Setting.of("augment-grid", Integer.class, 0, "0",
            n -> n != null && n >= 0 && n <= 64, "1..64, with --augment",
            "With --augment: one row per sample (the first 8 of the batch), the sample as decoded, then N draws of "
                    + "it (epochs 0..N-1), instead of the augmented batch");

    /** Every declared setting of its own. */
    static List<Setting<?>> declared() {
        return List.of(SKIP, COLUMNS, SCALE, OUTPUT, AUGMENT_GRID);
    }

    @Mixin
    KafkaOptions kafka;

    @Mixin
    VerboseOption verbose;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1", heading = "%nWhat to read (one of):%n")
    LoadCommand.Target target;

    @Option(names = "--batch", defaultValue = "${bundle:batch.default}", paramLabel = "B",
            description = "Samples in the batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Mixin
    PixelOptions pixels;

    @Option(names = "--skip", defaultValue = "${bundle:skip.default}", descriptionKey = "skip.doc", paramLabel = "N")
    long skip;

    @Option(names = "--columns", descriptionKey = "columns.doc", paramLabel = "N")
    Integer columns;

    @Option(names = "--scale", descriptionKey = "scale.doc", paramLabel = "N")
    Integer scale;

    @Option(names = "--labels", description = "Write each sample's class name under it.")
    boolean labels;

    @Option(names = "--checker", description = "Show transparency over a checkerboard (default: keep the alpha channel in the PNG).")
    boolean checker;

    @Option(names = "--output", defaultValue = "${bundle:output.default}", descriptionKey = "output.doc",
            paramLabel = "FILE")
    Path output;

    @Option(names = "--threads", descriptionKey = "threads.doc", paramLabel = "N")
    Integer threads;

    @Mixin
    CacheOptions cache;

    @Mixin
    AugmentOptions augment;

    @Option(names = "--augment-grid", paramLabel = "N", defaultValue = "${bundle:augment-grid.default}",
            descriptionKey = "augment-grid.doc")
    int augmentGrid;

    @Option(names = "--seed", paramLabel = "S",
            description = "Seed of the sample order (and of augmentation draws), as load's: the same seed, the same "
                    + "batch (default: a random seed, printed).")
    Long seed;

    @Option(names = "--no-shuffle", description = "Offset order (each partition's blocks in turn), as load's.")
    boolean noShuffle;

    @Option(names = "--quiet", description = "Print only where the picture is (not the seed).")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        SKIP.check(skip);
        COLUMNS.check(columns);
        SCALE.check(scale);
        AUGMENT_GRID.check(augmentGrid);
        ContactSheet.Layout layout = new ContactSheet.Layout(columns == null ? 0 : columns, scale == null ? 0 : scale, 2,
                labels, checker);
        LoaderConfig config = (target.dataset != null ? LoaderConfig.dataset(DatasetRef.parse(target.dataset))
                : LoaderConfig.topic(target.topic))
                .batchSize(batch).pixels(pixels.spec()).maxBatches(skip + 1);
        if (threads != null) {
            config.threads(threads);
        }
        cache.applyTo(config);
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong() >>> 1;
        config.order(noShuffle ? new OrderSpec(s, false, OrderSpec.SHUFFLE_BLOCK.defaultValue(), 1,
                OrderSpec.REMAINDER.defaultValue()) : OrderSpec.shuffled(s));
        String written;
        if (augmentGrid != 0) {
            AugmentSpec draws = augment.spec();
            if (draws == null || draws.isNone()) {
                throw InvalidSettingException.of(AUGMENT_GRID.name(), augmentGrid, AUGMENT_GRID.expected());
            }
            LoaderSettings settings = config.conclude();
            draws.checkFor(settings.pixels());
            written = writeGrid(settings, kafka.settings(), draws, augmentGrid, layout, output);
        } else {
            augment.applyTo(config);
            written = write(config.conclude(), kafka.settings(), layout, output);
        }
        if (written == null) {
            throw new IllegalStateException("no batch to preview: the source has fewer than " + (skip + 1) + " batches");
        }
        if (!quiet) {
            spec.commandLine().getOut().println(noShuffle ? "order: offset order"
                    : "order: shuffled with seed " + s + " (the same batch again: --seed " + s + ")");
        }
        spec.commandLine().getOut().println("preview: " + output.toAbsolutePath() + " (" + written + ")");
        return 0;
    }

    /**
     * Loads batch {@code maxBatches - 1} of {@code config} (not augmented) and writes a grid: for each
     * of its first samples, the sample, then {@code n} augmentations of it, those of epochs 0..n-1.
     *
     * @return a description of what was written, or null if the source ran out first
     */
    static String writeGrid(LoaderSettings config, KafkaSettings kafka, AugmentSpec spec, int n,
                            ContactSheet.Layout layout, Path file) throws IOException, InterruptedException {
        PixelSpec p = config.pixels();
        try (SpriteLoader loader = SpriteLoader.open(config, kafka, null, LoaderListener.NONE);
             Augmenter augmenter = new Augmenter(spec, p)) {
            String written = null;
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch b = next) {
                    if (b.index() != config.maxBatches() - 1) {
                        continue;
                    }
                    int rows = Math.min(8, b.size());
                    int columns = n + 1;
                    ByteBuffer cells = ByteBuffer.allocateDirect(rows * columns * p.sampleBytes());
                    ByteBuffer pixels = b.pixelBytes();
                    String[] captions = new String[rows * columns];
                    for (int row = 0; row < rows; row++) {
                        ByteBuffer sample = pixels.slice(row * p.sampleBytes(), p.sampleBytes());
                        for (int col = 0; col < columns; col++) {
                            int cell = row * columns + col;
                            cells.put(cell * p.sampleBytes(), sample, 0, p.sampleBytes());
                            if (col > 0) {
                                augmenter.apply(cells.slice(cell * p.sampleBytes(), p.sampleBytes()),
                                        config.order().seed(), col - 1, b.partition(row), b.offset(row));
                            }
                            int label = b.label(row);
                            captions[cell] = col > 0 ? "epoch " + (col - 1)
                                    : label >= 0 && label < b.classes().size() ? b.classes().get(label) : "?";
                        }
                    }
                    ContactSheet.Layout grid = new ContactSheet.Layout(columns, layout.scale(), layout.gap(),
                            layout.labels(), layout.checker());
                    ContactSheet.write(ContactSheet.render(cells, rows * columns, p.height(), p.width(), p.channels(),
                            i -> captions[i], grid), file);
                    java.lang.ref.Reference.reachabilityFence(cells);
                    written = rows + " samples of batch " + b.index() + " of " + loader.source().describe() + ", each "
                            + "as decoded and under " + n + " draws of " + spec;
                }
            }
            return written;
        }
    }

    /**
     * Loads up to batch {@code maxBatches - 1} of {@code config} and writes it as a contact sheet.
     *
     * @return a description of what was written, or null if the source ran out first
     */
    static String write(LoaderSettings config, KafkaSettings kafka, ContactSheet.Layout layout, Path file)
            throws IOException, InterruptedException {
        try (SpriteLoader loader = SpriteLoader.open(config, kafka, null, LoaderListener.NONE)) {
            String written = null;
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch b = next) {
                    if (b.index() == config.maxBatches() - 1) {
                        ContactSheet.Geometry g = ContactSheet.write(b, layout, file);
                        written = ContactSheet.describe(g) + ", batch " + b.index() + " of " + loader.source().describe();
                    }
                }
            }
            return written;
        }
    }
}
