package io.spritestream.loader.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.pipeline.Stages;
import io.spritestream.loader.replay.KeySplit;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The batches of a {@link SpriteDataset}, epoch by epoch, on the training device: one loader
 * (opened once, read ahead across epochs) and the device stage that moves its batches to the device
 * and prepares their input, each epoch ended where the loader says it ends. {@link #take} gives the
 * next batch of an epoch, keeping one of a later epoch for that epoch and skipping those of an
 * earlier (abandoned) one.
 *
 * <p>For one thread (the training loop's), as its dataset is.
 */
final class EpochStream implements AutoCloseable {

    private static final long WAIT_SLICE_MS = 50;

    private final LoaderSettings settings;
    private final KafkaSettings kafka;
    private final RunObservers observers;
    private final PixelNormalization normalization;
    private final int depth;
    /** Epochs the loader has ended, told by its epoch-end observer, taken by the device stage's source. */
    private final Queue<Integer> epochEnds = new ConcurrentLinkedQueue<>();
    private NDManager hostManager;
    private NDManager deviceManager;
    private SpriteLoader loader;
    private DeviceStage stage;
    /** A batch of a later epoch than the one asked for, kept for it. */
    private StreamBatch pending;
    private boolean ended;

    EpochStream(LoaderSettings settings, KafkaSettings kafka, RunObservers observers, PixelNormalization normalization,
                int depth) {
        this.settings = settings;
        this.kafka = kafka;
        this.observers = observers;
        this.normalization = normalization;
        this.depth = depth;
    }

    /** Opens the loader (once: it resolves the source and starts reading). */
    void open() {
        if (loader != null) {
            return;
        }
        hostManager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try {
            loader = SpriteLoader.open(settings, kafka, hostManager,
                    observers.withEpochEnds(observers.epochEnds().andThen(epochEnds::add)));
        } catch (RuntimeException e) {
            hostManager.close();
            hostManager = null;
            throw e;
        }
    }

    /** Starts the device stage on {@code target} (once; {@link #open} first). */
    void start(Device target) {
        if (stage != null) {
            return;
        }
        deviceManager = target.equals(Device.cpu()) ? hostManager.newSubManager()
                : NDManager.newBaseManager(target, "PyTorch");
        stage = new DeviceStage(DeviceStage.Source.of(loader, epochEnds), deviceManager, normalization, depth, estimate());
        stage.start();
    }

    /** The device batches are prepared on, or null before {@link #start}. */
    Device device() {
        return stage == null ? null : stage.device();
    }

    /** The loader, or null before {@link #open}. */
    SpriteLoader loader() {
        return loader;
    }

    /** Samples an epoch is expected to have: an estimate until one epoch is through, then exact. */
    long expectedEpochSamples() {
        return stage != null ? stage.expectedEpochSamples() : estimate();
    }

    /** Time the device stage spent copying batches to the device and preparing their input. */
    long prepareNanos() {
        return stage == null ? 0 : stage.prepareNanos();
    }

    /** The training loop waited {@code nanos} for a batch (told to the loader's metrics). */
    void trainerWaited(long nanos) {
        if (loader != null) {
            loader.trainerWaited(nanos);
        }
    }

    private long estimate() {
        if (loader == null) {
            return 0;
        }
        long records = loader.source().records();
        KeySplit split = settings.keySplit();
        if (split == null) {
            return records;
        }
        double share = split.side() == KeySplit.Side.VALIDATION ? split.validationFraction() : 1 - split.validationFraction();
        return Math.round(records * share);
    }

    /**
     * The next batch of {@code epoch}, waiting for it; null when the epoch (or the stream) is over.
     * A batch of a later epoch ends the pass and is kept for the next one; one of an earlier
     * (abandoned) epoch is closed and skipped.
     */
    StreamBatch take(int epoch) throws InterruptedException {
        if (pending != null) {
            if (pending.epoch() > epoch) {
                return null;
            }
            StreamBatch b = pending;
            pending = null;
            if (b.epoch() == epoch) {
                return b;
            }
            b.close();
        }
        while (!ended) {
            DeviceStage.Item item = stage.poll(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
            if (item == null) {
                continue;
            }
            if (item instanceof DeviceStage.End) {
                ended = true;
            } else if (item instanceof DeviceStage.Failure f) {
                ended = true;
                throw Stages.unchecked(f.cause());
            } else if (item instanceof DeviceStage.EpochEnd end) {
                if (end.epoch() >= epoch) {
                    if (loader.stats().batchesDelivered() == 0) {
                        endEmpty();
                    }
                    return null; // this epoch is over (or, past it, it was over before it began)
                }
            } else if (item instanceof DeviceStage.Prepared prepared) {
                StreamBatch b = prepared.batch();
                if (b.epoch() == epoch) {
                    return b;
                }
                if (b.epoch() > epoch) {
                    pending = b;
                    return null;
                }
                b.close();
            }
        }
        return null;
    }

    /**
     * A whole epoch went by without a sample for this side (a split whose side is empty): the stream
     * ends here, rather than read the topic over and over for nothing.
     */
    private void endEmpty() {
        ended = true;
        stage.close();
        loader.close();
    }

    /**
     * Stops the device stage, closes every batch it prepared that was not handed out, then closes the
     * loader (which fails, naming them, if handed-out batches are still open) and the managers.
     */
    @Override
    public void close() {
        if (stage != null) {
            stage.close();
        }
        if (pending != null) {
            pending.close();
            pending = null;
        }
        try {
            if (loader != null) {
                loader.close();
            }
        } finally {
            if (deviceManager != null) {
                deviceManager.close();
            }
            if (hostManager != null) {
                hostManager.close();
            }
        }
    }
}
