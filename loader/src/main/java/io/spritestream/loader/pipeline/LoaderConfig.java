package io.spritestream.loader.pipeline;

import io.spritestream.catalog.DatasetRef;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import java.util.Objects;

/**
 * Everything a {@link SpriteLoader} run is told, with defaults, validated once by {@link #build()}
 * (messages name the option, the value and what was expected).
 */
public final class LoaderConfig {

    /** Default samples per batch. */
    public static final int DEFAULT_BATCH = 64;
    /** Default records per block of consecutive offsets read from one partition. */
    public static final int DEFAULT_BLOCK = 512;

    DatasetRef dataset;
    String topic;
    int batchSize = DEFAULT_BATCH;
    PixelSpec pixels = new PixelSpec(32, 32, 4, Fit.PAD);
    int epochs = 1;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    long maxBatches;
    boolean dropLast;
    DecodeLimits limits = DecodeLimits.DEFAULT;
    int slabs;
    LeakDetection leakDetection = LeakDetection.SIMPLE;
    int blockSize = DEFAULT_BLOCK;
    int readAheadRecords = 8192;
    boolean deadLetters = true;
    LoaderListener listener = LoaderListener.NONE;

    private LoaderConfig() {}

    public static LoaderConfig dataset(DatasetRef ref) {
        LoaderConfig c = new LoaderConfig();
        c.dataset = Objects.requireNonNull(ref);
        return c;
    }

    public static LoaderConfig topic(String topic) {
        LoaderConfig c = new LoaderConfig();
        c.topic = Objects.requireNonNull(topic);
        return c;
    }

    public LoaderConfig batchSize(int value) {
        this.batchSize = value;
        return this;
    }

    public LoaderConfig pixels(PixelSpec value) {
        this.pixels = Objects.requireNonNull(value);
        return this;
    }

    public LoaderConfig epochs(int value) {
        this.epochs = value;
        return this;
    }

    public LoaderConfig threads(int value) {
        this.threads = value;
        return this;
    }

    /** Stop after this many batches (0: no limit). */
    public LoaderConfig maxBatches(long value) {
        this.maxBatches = value;
        return this;
    }

    public LoaderConfig dropLast(boolean value) {
        this.dropLast = value;
        return this;
    }

    public LoaderConfig limits(DecodeLimits value) {
        this.limits = Objects.requireNonNull(value);
        return this;
    }

    /** Slabs in the pool (0: automatic, {@code 2 * threads + 4}). */
    public LoaderConfig slabs(int value) {
        this.slabs = value;
        return this;
    }

    public LoaderConfig leakDetection(LeakDetection value) {
        this.leakDetection = Objects.requireNonNull(value);
        return this;
    }

    public LoaderConfig blockSize(int value) {
        this.blockSize = value;
        return this;
    }

    /** Records fetched ahead of the one being handed out (at least one block). */
    public LoaderConfig readAheadRecords(int value) {
        this.readAheadRecords = value;
        return this;
    }

    /** Whether rejected records are written to {@code <topic>.dlq} (they are counted either way). */
    public LoaderConfig deadLetters(boolean value) {
        this.deadLetters = value;
        return this;
    }

    /** Who is told about the run as it goes (metrics); {@link LoaderListener#NONE} by default. */
    public LoaderConfig listener(LoaderListener value) {
        this.listener = Objects.requireNonNull(value);
        return this;
    }

    /** Validates; returns this. */
    public LoaderConfig build() {
        require("--batch", batchSize, 1, 65536);
        require("--epochs", epochs, 1, 1_000_000);
        require("--threads", threads, 1, 256);
        require("--slabs", slabs, 0, 4096);
        require("block size", blockSize, 1, 1 << 20);
        require("read-ahead", readAheadRecords, 1, 1 << 24);
        if (maxBatches < 0) {
            throw new IllegalArgumentException("--max-batches: " + maxBatches + " (expected >= 0, 0 for no limit)");
        }
        if (slabs != 0 && slabs < 2) {
            throw new IllegalArgumentException("--slabs: " + slabs + " (expected 0 for automatic, or >= 2)");
        }
        return this;
    }

    public int effectiveSlabs() {
        return slabs != 0 ? slabs : 2 * threads + 4;
    }

    public DatasetRef dataset() {
        return dataset;
    }

    public String topic() {
        return topic;
    }

    public int batchSize() {
        return batchSize;
    }

    public PixelSpec pixels() {
        return pixels;
    }

    public int epochs() {
        return epochs;
    }

    public int threads() {
        return threads;
    }

    public long maxBatches() {
        return maxBatches;
    }

    public boolean dropLast() {
        return dropLast;
    }

    public LoaderListener listener() {
        return listener;
    }

    private static void require(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected " + min + ".." + max + ")");
        }
    }
}
