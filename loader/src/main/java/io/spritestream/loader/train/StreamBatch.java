package io.spritestream.loader.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.translate.Batchifier;
import io.spritestream.loader.batch.SpriteBatch;

/**
 * A DJL {@link Batch} of a {@link SpriteDataset}: data is the network input (float
 * {@code [B, C, H, W]}, normalised on the training device), labels the int64 class ids, both on the
 * training device. Behind it is the loader's {@link SpriteBatch}, whose pooled slab holds the uint8
 * pixels the input was computed from (on the CPU: read in place, no copy).
 *
 * <p>Closing this batch closes its arrays, then the {@code SpriteBatch}: its slab goes back to the
 * loader's pool. {@code EasyTrain} closes every batch after its step. Idempotent.
 *
 * <p>Not thread-safe: one thread uses and closes a batch.
 */
public final class StreamBatch extends Batch {

    private final SpriteBatch sprites;
    private final int epoch;
    private boolean closed;

    StreamBatch(NDManager manager, NDArray input, NDArray labels, SpriteBatch sprites, long progress,
                long progressTotal) {
        super(manager, new NDList(input), new NDList(labels), sprites.size(), Batchifier.STACK, Batchifier.STACK,
                progress, progressTotal);
        this.sprites = sprites;
        this.epoch = sprites.epoch();
    }

    /**
     * The loader's batch this one was made from, open until this batch is closed: where each row came
     * from ({@code key(i)}, {@code partition(i)}, {@code offset(i)}) and the uint8 pixels as delivered.
     */
    public SpriteBatch sprites() {
        return sprites;
    }

    /** The loader's epoch this batch belongs to, from 0. */
    public int epoch() {
        return epoch;
    }

    /** Closes the arrays, then returns the slab to the loader's pool. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            super.close();
        } finally {
            sprites.close();
        }
    }

    @Override
    public String toString() {
        return "StreamBatch{epoch=" + epoch + ", size=" + getSize() + (closed ? ", closed" : "") + "}";
    }
}
