package io.spritestream.loader.batch;

import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;

/**
 * Turns decoded slabs, in order, into delivered batches of exactly B samples (except an epoch's
 * last): rejected records are taken out and the batch is filled with the next good samples.
 *
 * <p>Fast path: a full slab with no rejection is delivered as it is. Otherwise good samples are
 * moved down to fill the gaps (a copy of slot memory within or between slabs, only on this path);
 * the partly filled slab is carried until the next slab's samples complete it. A batch never spans
 * two epochs.
 *
 * <p>Confined to one thread (the thread that asks for batches).
 */
public final class BatchAssembler {

    private final NDManager manager;
    private final LabelIndex labels;
    private final RejectSink rejects;
    private final boolean dropLast;
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
     * {@code dropLast}).
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

    private SpriteBatch emit(BatchSlots slots, int n) {
        ByteBuffer labelMemory = slots.lease.labels(n);
        for (int i = 0; i < n; i++) {
            labelMemory.putInt(i * 4, labels.idOf(slots.labels[i]));
        }
        slots.releaseValues();
        return new SpriteBatch(slots, n, delivered++, manager, labels.classes(), onClose);
    }
}
