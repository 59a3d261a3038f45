package io.spritestream.loader.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.pipeline.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The device stage: a thread of its own ({@code spritestream-device}) takes the loader's batches in
 * order ({@link Source}), moves their uint8 pixels and labels to the training device, computes the network input
 * there ({@link PixelNormalization}), and hands the resulting {@link StreamBatch}es to the trainer
 * through a small bounded queue. While the trainer steps on batch k, this thread copies and prepares
 * batch k+1; when the trainer is slow, the queue fills and this thread stops taking batches, and the
 * loader's pool then stops the reader.
 *
 * <p>On the CPU the "copy" is no copy: the input is computed straight from the slab's view. On a
 * GPU the uint8 batch (a quarter of the bytes of float32) is copied once; the conversion runs there.
 *
 * <p>Torch work happens here and on the trainer's thread, never on the loader's decode threads. The
 * source's {@code next()} is called only by this thread. {@link #poll} and {@link #close} are for one
 * consumer thread (the trainer's).
 */
final class DeviceStage implements AutoCloseable {

    /** What the stage hands the trainer's thread, in order. */
    sealed interface Item {
    }

    /** A batch on the device, its input prepared. */
    record Prepared(StreamBatch batch) implements Item {}

    /** Put after the loader's last batch. */
    record End() implements Item {}

    /** A failure of the stage, handed to the consumer in order. */
    record Failure(Throwable cause) implements Item {}

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Source source;
    private final NDManager deviceManager;
    private final Device device;
    private final PixelNormalization normalization;
    private final BlockingQueue<Item> deviceToTrainer;
    private final Stage stage;
    private final LongAdder prepareNanos = new LongAdder();
    private long epochSamples;
    private volatile long expectedEpochSamples;
    private volatile long settledEpochs;
    private volatile boolean stopping;
    private int currentEpoch = -1;


    /** Where the stage takes batches from: a {@link SpriteLoader}, in order. */
    interface Source {
        /** The next batch (the stage owns it), or null at the end. */
        SpriteBatch next() throws InterruptedException;

        /** Epochs completed so far, as of the last {@link #next()}. */
        long epochsCompleted();

        /** A batch's bytes took {@code nanos} to reach the device (zero-copy on the CPU: about 0). */
        default void copiedToDevice(long nanos) {
        }

        static Source of(SpriteLoader loader) {
            return new Source() {
                @Override
                public SpriteBatch next() throws InterruptedException {
                    return loader.next();
                }

                @Override
                public long epochsCompleted() {
                    return loader.stats().epochsCompleted();
                }

                @Override
                public void copiedToDevice(long nanos) {
                    loader.listener().copiedToDevice(nanos);
                }
            };
        }
    }

    /**
     * @param deviceManager a manager on the training device, owned by the caller; each batch's arrays
     *                      live in a sub-manager of it
     * @param depth         batches prepared ahead (the queue's capacity), at least 1
     * @param expectedEpochSamples samples an epoch is expected to have (for {@link StreamBatch#getProgressTotal})
     */
    DeviceStage(Source source, NDManager deviceManager, PixelNormalization normalization, int depth,
                long expectedEpochSamples) {
        this.source = source;
        this.deviceManager = deviceManager;
        this.device = deviceManager.getDevice();
        this.normalization = normalization;
        this.deviceToTrainer = new ArrayBlockingQueue<>(depth);
        this.expectedEpochSamples = expectedEpochSamples;
        this.stage = new Stage("spritestream-device", this::run, this::failed);
    }

    void start() {
        stage.start();
    }

    Device device() {
        return device;
    }

    /** The next item, waiting at most {@code timeout}; null if none came. */
    Item poll(long timeout, TimeUnit unit) throws InterruptedException {
        return deviceToTrainer.poll(timeout, unit);
    }

    /**
     * Epochs whose batches have all been handed to the queue: after each batch is queued, the loader's
     * completed epochs as of that batch (a batch that ends an epoch is returned by the same call that
     * counts the epoch as completed).
     */
    long settledEpochs() {
        return settledEpochs;
    }

    /** Time spent copying batches to the device and preparing their input, in total. */
    long prepareNanos() {
        return prepareNanos.sum();
    }

    private void run() throws InterruptedException {
        while (true) {
            SpriteBatch sprites = source.next();
            if (sprites == null) {
                deviceToTrainer.put(new End());
                return;
            }
            long settled = source.epochsCompleted();
            StreamBatch batch = prepare(sprites);
            try {
                deviceToTrainer.put(new Prepared(batch));
            } catch (InterruptedException e) {
                batch.close();
                throw e;
            }
            settledEpochs = settled;
        }
    }

    /** The stage's error path: the failure goes to the consumer, in order, unless the stage is stopping. */
    private void failed(Throwable t) {
        if (!stopping) {
            try {
                deviceToTrainer.put(new Failure(t));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Moves one loader batch to the device and computes its input there. Owns {@code sprites} from here. */
    private StreamBatch prepare(SpriteBatch sprites) {
        long began = System.nanoTime();
        NDManager batchManager = deviceManager.newSubManager();
        try {
            long copyBegan = System.nanoTime();
            NDArray pixels = onDevice(sprites.images(), batchManager);
            NDArray labelIds = onDevice(sprites.labels(), batchManager);
            source.copiedToDevice(System.nanoTime() - copyBegan);
            NDArray input = normalization.apply(pixels);
            NDArray labels = labelIds.toType(DataType.INT64, false);
            input.attach(batchManager);
            labels.attach(batchManager);
            if (pixels != sprites.images()) {
                pixels.close(); // the device copy of the uint8 bytes is no longer needed
                labelIds.close();
            }
            StreamBatch batch = new StreamBatch(batchManager, input, labels, sprites, progress(sprites),
                    expectedEpochSamples);
            prepareNanos.add(System.nanoTime() - began);
            return batch;
        } catch (RuntimeException | Error e) {
            batchManager.close();
            sprites.close();
            throw e;
        }
    }

    /** The CPU view itself on the CPU (no copy); else a copy on the device, owned by {@code manager}. */
    private NDArray onDevice(NDArray hostView, NDManager manager) {
        if (hostView.getDevice().equals(device)) {
            return hostView;
        }
        NDArray copy = hostView.toDevice(device, false);
        copy.attach(manager);
        return copy;
    }

    /** Samples of the batch's epoch up to and including this batch; learns each epoch's size. */
    private long progress(SpriteBatch sprites) {
        if (sprites.epoch() != currentEpoch) {
            if (currentEpoch >= 0 && sprites.epoch() == currentEpoch + 1) {
                expectedEpochSamples = epochSamples;
            }
            currentEpoch = sprites.epoch();
            epochSamples = 0;
        }
        epochSamples += sprites.size();
        return epochSamples;
    }

    /** Samples an epoch is expected to have: an estimate until the first epoch is through, then exact. */
    long expectedEpochSamples() {
        return expectedEpochSamples;
    }

    /**
     * Stops the thread and closes every batch it prepared that nobody took. Does not close the loader.
     *
     * @throws IllegalStateException if the thread did not stop in time (its batches are left to it)
     */
    @Override
    public void close() {
        stopping = true;
        stage.interrupt();
        if (!stage.join(STOP_TIMEOUT)) {
            throw new IllegalStateException(stage.role() + " did not stop within " + STOP_TIMEOUT.toSeconds()
                    + " s; the batches it holds are left to it");
        }
        List<Item> left = new ArrayList<>();
        deviceToTrainer.drainTo(left);
        for (Item item : left) {
            if (item instanceof Prepared prepared) {
                prepared.batch().close();
            }
        }
    }
}
