package io.spritestream.loader.batch;

/**
 * Told when a delivered batch is closed, on the closing thread, before its slab goes back to the
 * pool (e.g. so a live tail can commit the rows' offsets: only closed batches count as consumed).
 */
@FunctionalInterface
public interface BatchClosed {
    /** Rows {@code 0..rows-1} of {@code slots} were in a batch that was just closed. */
    void closed(BatchSlots slots, int rows);
}
