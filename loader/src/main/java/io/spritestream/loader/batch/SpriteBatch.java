package io.spritestream.loader.batch;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.tensor.SlabViews;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One batch as the loader delivers it: {@link #images()} is a {@code [n, H, W, C]} uint8 view of a
 * pooled slab (no copy), {@link #labels()} an int32 {@code [n]} view, and for every row the
 * partition, offset and key of the record it came from.
 *
 * <p>Closing the batch closes its arrays first, then returns the slab to the pool: a view never
 * outlives its memory. After {@link #close()}, every accessor throws {@link IllegalStateException};
 * arrays obtained earlier are closed and cannot be read. To keep data beyond the batch, take an
 * independent copy with {@link #detach(NDManager)} (or copy to another device).
 *
 * <p>Not thread-safe: one thread at a time uses a batch, and a hand-off between threads goes through
 * a queue (the loader's assembler thread makes it; the caller of {@code next()}, or a stage after it,
 * uses it; whoever holds it last closes it). {@link #close()} is idempotent.
 */
public final class SpriteBatch implements AutoCloseable {

    private final BatchSlots slots;
    private final int size;
    private final long index;
    private final NDManager manager;
    private final NDArray images;
    private final NDArray labels;
    private final List<String> classes;
    private final BatchClosed onClose;
    private final java.lang.ref.Cleaner.Cleanable leakWatch;
    private boolean closed;

    SpriteBatch(BatchSlots slots, int size, long index, NDManager parent, List<String> classes, BatchClosed onClose) {
        this.slots = slots;
        this.onClose = onClose;
        this.size = size;
        this.index = index;
        this.classes = classes;
        // Without a manager (a loader that feeds another process), a batch has no DJL views at all.
        this.manager = parent == null ? null : parent.newSubManager();
        this.images = manager == null ? null : SlabViews.images(manager, slots.lease, size);
        this.labels = manager == null ? null : SlabViews.labels(manager, slots.lease, size);
        slots.lease.describeOwner("batch " + index + " of epoch " + slots.epoch);
        this.leakWatch = slots.lease.watch(this);
    }

    /** {@code [n, H, W, C]} uint8, a view of the slab. */
    public NDArray images() {
        checkViews();
        return images;
    }

    /** {@code [n]} int32 label ids (positions in {@link #classes()}; -1 for unlabelled records). */
    public NDArray labels() {
        checkViews();
        return labels;
    }

    /** The index of the pool slab that holds this batch (the feed's ring slot). */
    public int slab() {
        checkOpen();
        return slots.lease.slabIndex();
    }

    private void checkViews() {
        checkOpen();
        if (manager == null) {
            throw new IllegalStateException("batch " + index + " has no DJL arrays: its loader was opened without an "
                    + "NDManager (use pixelBytes() and labelBytes())");
        }
    }

    /** What each row is: {@code height x width x channels} uint8 (the slab's layout). */
    public SlabLayout layout() {
        checkOpen();
        return slots.lease.layout();
    }

    /** Number of samples (rows). Equal to the batch size except for a last, partial batch. */
    public int size() {
        checkOpen();
        return size;
    }

    /** The epoch this batch belongs to, from 0. */
    public int epoch() {
        checkOpen();
        return slots.epoch;
    }

    /** Position of this batch among all batches the loader delivered in this run, from 0. */
    public long index() {
        checkOpen();
        return index;
    }

    /** Class names known when the batch was made; a label id is a position here. */
    public List<String> classes() {
        checkOpen();
        return classes;
    }

    public int partition(int row) {
        checkRow(row);
        return slots.partitions[row];
    }

    public long offset(int row) {
        checkRow(row);
        return slots.offsets[row];
    }

    /** The record key (sample id) of {@code row}. */
    public String key(int row) {
        checkRow(row);
        ByteBuffer key = slots.keys[row];
        if (key == null) {
            return null;
        }
        return StandardCharsets.UTF_8.decode(key.duplicate()).toString();
    }

    /** Row {@code row}'s key as its bytes (a read-only view: no copy), or null. */
    public ByteBuffer keyBytes(int row) {
        checkRow(row);
        ByteBuffer key = slots.keys[row];
        return key == null ? null : key.asReadOnlyBuffer();
    }

    /** The record timestamp (ms since the epoch) of {@code row}. */
    public long timestamp(int row) {
        checkRow(row);
        return slots.timestamps[row];
    }

    /** The position of {@code row}'s record in its epoch's order (what a resumed run continues after). */
    public long position(int row) {
        checkRow(row);
        return slots.positions[row];
    }

    /** The label id of {@code row}, read from the label memory. */
    public int label(int row) {
        checkRow(row);
        return slots.lease.labels(size).getInt(row * 4);
    }

    /** A read-only view of the pixel bytes ({@code n*H*W*C}), e.g. to write them to a file. */
    public ByteBuffer pixelBytes() {
        checkOpen();
        return slots.lease.images(size).asReadOnlyBuffer();
    }

    /** A read-only view of the labels (int32, native order). */
    public ByteBuffer labelBytes() {
        checkOpen();
        return slots.lease.labels(size).asReadOnlyBuffer().order(java.nio.ByteOrder.nativeOrder());
    }

    /**
     * Independent copies of images and labels, attached to {@code target}: they survive this
     * batch's close and do not change when the slab is reused.
     */
    public NDList detach(NDManager target) {
        checkViews();
        NDArray imageCopy = images.duplicate();
        NDArray labelCopy = labels.duplicate();
        imageCopy.attach(target);
        labelCopy.attach(target);
        return new NDList(imageCopy, labelCopy);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes the arrays, then returns the slab to the pool. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (manager != null) {
                manager.close();
            }
            if (onClose != null) {
                onClose.closed(slots, size);
            }
        } finally {
            slots.releaseValues();
            slots.lease.close();
            leakWatch.clean();
        }
    }

    private void checkRow(int row) {
        checkOpen();
        if (row < 0 || row >= size) {
            throw new IndexOutOfBoundsException("row: " + row + " (expected 0.." + (size - 1) + ")");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("batch " + index + " is closed (its slab went back to the pool)");
        }
    }

    @Override
    public String toString() {
        return "SpriteBatch{index=" + index + ", epoch=" + slots.epoch + ", size=" + size + (closed ? ", closed" : "") + "}";
    }
}
