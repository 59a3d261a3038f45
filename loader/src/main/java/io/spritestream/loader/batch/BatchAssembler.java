package io.spritestream.loader.batch;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;

/**
 * Turns decoded slabs, in order, into delivered batches of exactly B samples (except the one
 * {@link #endEpoch} delivers: an epoch's last, or a live tail's when it goes idle): rejected records
 * are taken out and the batch is filled with the next good samples.
 *
 * <p>Fast path: a full slab with no rejection is delivered as it is. Otherwise good samples are
 * moved down to fill the gaps (a copy of slot memory within or between slabs, only on this path);
 * the partly filled slab is carried until the next slab's samples complete it. A batch never spans
 * two epochs.
 *
 * <p>Confined to one thread: the loader's assembler thread ({@code spritestream-assembler}). It is
 * set up before that thread starts and {@linkplain #discard discarded} after it stops. The
 * {@link SpriteBatch}es it makes leave that thread: whoever holds one closes it.
 */
public final class BatchAssembler {

    private final NDManager manager;
    private final LabelIndex labels;
    private final RejectSink rejects;
    private final boolean dropLast;
    private boolean keepPositions;
    private java.nio.ByteBuffer spare;
    private int spareSlot = -1;
    private BatchSlots spareFrom;
    private long repeated;
    private BatchClosed onClose;
    private BatchSlots carry;
    private int carryFill;
    private long delivered;
    private long dropped;

    public BatchAssembler(NDManager manager, LabelIndex labels, RejectSink rejects, boolean dropLast) {
        this.manager = manager;
        this.labels = labels;
        this.rejects = rejects;
        this.dropLast = dropLast;
    }

    /**
     * Sharded runs: every rank must deliver the same number of batches, so rejected records are not
     * replaced by the next samples (which would shift the batches) but by a repeat of another sample
     * of the same slab (or the last good sample before it). Batches then cover the same positions of
     * the order as without rejections.
     */
    public void keepPositions(boolean value) {
        this.keepPositions = value;
    }

    /** Rows that repeat another sample in place of a rejected record ({@link #keepPositions}). */
    public long repeated() {
        return repeated;
    }

    /** Tells {@code listener} when each delivered batch is closed. */
    public void onBatchClosed(BatchClosed listener) {
        this.onClose = listener;
    }

    /**
     * Takes a decoded slab (ownership passes to the assembler).
     *
     * @return a full batch if one is complete, else {@code null}
     */
    public SpriteBatch accept(BatchSlots slots) {
        int good = 0;
        for (int i = 0; i < slots.count; i++) {
            if (slots.rejects[i] == null) {
                good++;
            } else {
                rejects.rejected(slots, i);
            }
        }
        if (carry == null && good == slots.capacity) {
            return emit(slots, good);
        }
        if (keepPositions) {
            if (dropLast && slots.count < slots.capacity) {
                dropped += good;
                return discardEmpty(slots);
            }
            return repeatInPlace(slots, good);
        }
        int from = 0;
        SpriteBatch full = null;
        if (carry != null) {
            while (from < slots.count && carryFill < carry.capacity) {
                if (slots.rejects[from] == null) {
                    slots.moveTo(from, carry, carryFill++);
                }
                from++;
            }
            if (carryFill < carry.capacity) {
                slots.releaseValues();
                slots.lease.close();
                return null;
            }
            full = emit(carry, carryFill);
            carry = null;
            carryFill = 0;
        }
        int fill = 0;
        for (int i = from; i < slots.count; i++) {
            if (slots.rejects[i] == null) {
                if (i != fill) {
                    slots.moveTo(i, slots, fill);
                }
                fill++;
            }
        }
        if (fill == 0) {
            slots.releaseValues();
            slots.lease.close();
        } else if (full == null && fill == slots.capacity) {
            full = emit(slots, fill);
        } else {
            carry = slots;
            carryFill = fill;
        }
        return full;
    }

    /**
     * Ends the epoch: the partly filled batch, if any, is delivered (or dropped with
     * {@code dropLast}). A live tail calls it too when it goes idle, to deliver what it has.
     *
     * @return the epoch's last, partial batch, or {@code null}
     */
    public SpriteBatch endEpoch() {
        if (carry == null) {
            return null;
        }
        BatchSlots last = carry;
        int n = carryFill;
        carry = null;
        carryFill = 0;
        if (dropLast) {
            dropped += n;
            last.releaseValues();
            last.lease.close();
            return null;
        }
        return emit(last, n);
    }

    /** Samples left out by {@code dropLast} so far. */
    public long dropped() {
        return dropped;
    }

    /** Returns the carried slab, if any, to the pool (on close). */
    public void discard() {
        if (carry != null) {
            carry.releaseValues();
            carry.lease.close();
            carry = null;
            carryFill = 0;
        }
    }

    /** Fills each rejected slot with a copy of the nearest good slot (or the last good sample before). */
    private SpriteBatch repeatInPlace(BatchSlots slots, int good) {
        int lastGood = -1;
        for (int i = slots.count - 1; i >= 0 && lastGood < 0; i--) {
            if (slots.rejects[i] == null) {
                lastGood = i;
            }
        }
        for (int i = 0; i < slots.count; i++) {
            if (slots.rejects[i] != null) {
                int source = nearestGood(slots, i);
                long position = slots.positions[i];
                if (source >= 0) {
                    slots.moveTo(source, slots, i);
                } else if (spare != null) {
                    copySpare(slots, i);
                } else {
                    blank(slots, i);
                }
                slots.positions[i] = position;
                repeated++;
            }
        }
        if (lastGood >= 0) {
            keepSpare(slots, lastGood);
        }
        return slots.count == 0 ? discardEmpty(slots) : emit(slots, slots.count);
    }

    private static int nearestGood(BatchSlots slots, int i) {
        for (int d = 1; d < slots.count; d++) {
            if (i - d >= 0 && slots.rejects[i - d] == null) {
                return i - d;
            }
            if (i + d < slots.count && slots.rejects[i + d] == null) {
                return i + d;
            }
        }
        return -1;
    }

    private void keepSpare(BatchSlots slots, int slot) {
        int bytes = slots.lease.layout().sampleBytes();
        if (spare == null) {
            spare = java.nio.ByteBuffer.allocateDirect(bytes);
            spareFrom = new BatchSlots(null, 0, 1);
        }
        spare.put(0, slots.lease.memory(), slot * bytes, bytes);
        spareFrom.partitions[0] = slots.partitions[slot];
        spareFrom.offsets[0] = slots.offsets[slot];
        spareFrom.timestamps[0] = slots.timestamps[slot];
        spareFrom.keys[0] = slots.keys[slot];
        spareFrom.labels[0] = slots.labels[slot];
        spareSlot = 0;
    }

    private void copySpare(BatchSlots slots, int i) {
        int bytes = slots.lease.layout().sampleBytes();
        slots.lease.memory().put(i * bytes, spare, 0, bytes);
        slots.partitions[i] = spareFrom.partitions[spareSlot];
        slots.offsets[i] = spareFrom.offsets[spareSlot];
        slots.timestamps[i] = spareFrom.timestamps[spareSlot];
        slots.keys[i] = spareFrom.keys[spareSlot];
        slots.labels[i] = spareFrom.labels[spareSlot];
        slots.rejects[i] = null;
        slots.errors[i] = null;
    }

    /** No good sample yet in the run: a transparent black, unlabelled row. */
    private static void blank(BatchSlots slots, int i) {
        int bytes = slots.lease.layout().sampleBytes();
        java.nio.ByteBuffer memory = slots.lease.memory();
        for (int b = 0; b < bytes; b += 8) {
            if (b + 8 <= bytes) {
                memory.putLong(i * bytes + b, 0L);
            } else {
                for (int k = b; k < bytes; k++) {
                    memory.put(i * bytes + k, (byte) 0);
                }
            }
        }
        slots.keys[i] = null;
        slots.labels[i] = null;
        slots.rejects[i] = null;
        slots.errors[i] = null;
    }

    private SpriteBatch discardEmpty(BatchSlots slots) {
        slots.releaseValues();
        slots.lease.close();
        return null;
    }

    private SpriteBatch emit(BatchSlots slots, int n) {
        ByteBuffer labelMemory = slots.lease.labels(n);
        for (int i = 0; i < n; i++) {
            labelMemory.putInt(i * 4, labels.idOf(slots.labels[i]));
        }
        slots.releaseValues();
        return new SpriteBatch(slots, n, delivered++, manager, labels.classes(), onClose);
    }
}
