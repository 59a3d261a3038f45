package io.spritestream.loader.cli;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.pipeline.BadRecordPolicy;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderSettings;
import java.io.IOException;
import java.io.PrintWriter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Everything a loader run is told on the command line, but what it reads (a picocli mixin shared by
 * {@code load} and {@code feed}: the same options, the same names, the same defaults).
 */
public final class LoaderOptions {

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
    AugmentOptions augment;

    /**
     * The run's settings for {@code dataset} or {@code topic} (or a resumed state); the seed and any
     * resolved window are printed on {@code out}.
     */
    LoaderSettings settings(String dataset, String topic, KafkaSettings kafka, PrintWriter out) throws IOException {
        // What the replay options say (the seed, a resolved window) is printed once every option is
        // known good: a bad option is then the only line.
        java.io.StringWriter said = new java.io.StringWriter();
        LoaderConfig config = replay.start(dataset, topic, kafka, new PrintWriter(said, true));
        if (batch != null) {
            config.batchSize(batch);
        }
        if (epochs != null) {
            config.epochs(epochs);
        }
        if (threads != null) {
            config.threads(threads);
        }
        LoaderSettings settings = augment.applyTo(cache.applyTo(config)).pixels(pixels.spec()).maxBatches(maxBatches)
                .dropLast(dropLast).limits(new DecodeLimits(maxPixels, maxRecordBytes)).slabs(slabs)
                .leakDetection(leakDetection).onBadRecord(onBadRecord).conclude();
        out.print(said);
        out.flush();
        return settings;
    }
}
