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
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;

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

    /** Every batch of {@code epoch} has been queued before this (the epoch may have had none for this side). */
    record EpochEnd(int epoch) implements Item {}

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
    private volatile boolean stopping;
    private int currentEpoch = -1;
    /** The last epoch whose end went to the trainer while the source waited ({@link #endedWithoutBatch}). */
    private int lastEnded = -1;


    /** Where the stage takes batches from: a {@link SpriteLoader}, in order. */
    interface Source {
        /**
         * The next batch (the stage owns it), or null at the end; {@code ended} is told, in order, of
         * each epoch whose every batch has been handed out by this call or before it.
         */
        SpriteBatch next(IntConsumer ended) throws InterruptedException;

        /**
         * {@link #next(IntConsumer)}, telling {@code endedWithoutBatch} at once, while the call still
         * waits, of each epoch that ended without a batch of its own (it is told to {@code ended} too,
         * or not); by default none is.
         */
        default SpriteBatch next(IntConsumer ended, IntConsumer endedWithoutBatch) throws InterruptedException {
            return next(ended);
        }

        /** A batch's bytes took {@code nanos} to reach the device (zero-copy on the CPU: about 0). */
        default void copiedToDevice(long nanos) {
        }

        /**
         * {@code loader}'s batches, the epoch ends it told {@code ends} of during each {@code next()}
         * (its {@link io.spritestream.loader.pipeline.RunObservers#epochEnds} must add to {@code ends}).
         */
        static Source of(SpriteLoader loader, Queue<Integer> ends) {
            return new Source() {
                @Override
                public SpriteBatch next(IntConsumer ended) throws InterruptedException {
                    return next(ended, e -> { });
                }

                @Override
                public SpriteBatch next(IntConsumer ended, IntConsumer endedWithoutBatch) throws InterruptedException {
                    SpriteBatch batch = loader.nextForStage(endedWithoutBatch);
                    for (Integer e = ends.poll(); e != null; e = ends.poll()) {
                        ended.accept(e);
                    }
                    return batch;
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

    /** Time spent copying batches to the device and preparing their input, in total. */
    long prepareNanos() {
        return prepareNanos.sum();
    }

    /**
     * Batches in order, each epoch's end right after its last batch: an epoch the source ended in the
     * same call goes before the batch if the batch belongs to a later epoch (the epoch ended without
     * a batch of its own), after it if the batch is its last.
     */
    private void run() throws InterruptedException {
        List<Integer> ended = new ArrayList<>();
        while (true) {
            ended.clear();
            SpriteBatch sprites = source.next(ended::add, this::endedWithoutBatch);
            int epoch = sprites == null ? Integer.MAX_VALUE : sprites.epoch();
            try {
                for (int e : ended) {
                    if (e <= lastEnded) {
                        continue; // handed on at once, while the source waited
                    }
                    if (e < epoch) {
                        deviceToTrainer.put(new EpochEnd(e));
                    }
                }
            } catch (InterruptedException e) {
                // Stopped while the queue was full (a short last epoch read ahead into the next): the batch is ours.
                if (sprites != null) {
                    sprites.close();
                }
                throw e;
            }
            if (sprites == null) {
                deviceToTrainer.put(new End());
                return;
            }
            StreamBatch batch = prepare(sprites);
            try {
                deviceToTrainer.put(new Prepared(batch));
            } catch (InterruptedException e) {
                batch.close();
                throw e;
            }
            for (int e : ended) {
                if (e >= epoch && e > lastEnded) {
                    deviceToTrainer.put(new EpochEnd(e));
                }
            }
        }
    }

    /**
     * An epoch ended without a batch of its own while the source waits for the next one (which may
     * be epochs away): its end goes to the trainer now, after every batch put before it. The stage's
     * thread, inside {@link Source#next}.
     */
    private void endedWithoutBatch(int e) {
        if (e <= lastEnded) {
            return;
        }
        try {
            deviceToTrainer.put(new EpochEnd(e));
            lastEnded = e;
        } catch (InterruptedException stopped) {
            Thread.currentThread().interrupt(); // the source's next wait throws: the stage stops
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
