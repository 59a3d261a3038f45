package io.spritestream.loader.ingest;

import java.util.concurrent.TimeUnit;

/**
 * Where a feed hands its records, in the order they are to be delivered (the pipeline's slab
 * filler; a benchmark's counter). Kafka-free. Called by the feed's thread only; a call may block,
 * and that is how a slow trainer stops the reading (backpressure).
 */
public interface RecordTarget {

    /**
     * The record at {@code position} of its epoch's order (a live tail: a running count). The view is
     * reused for the next record once this returns.
     */
    void accept(RecordView record, long position) throws InterruptedException;

    /** The record at {@code position} does not exist in the topic (a gap left by compaction or transactions). */
    default void missing(long position, int partition, long offset) {
    }

    /** Every record of {@code epoch} has been handed over. */
    default void epochEnd(int epoch) throws InterruptedException {
    }

    /** A live tail went idle: what is partly gathered should be delivered now rather than wait for more. */
    default void flush() throws InterruptedException {
    }

    /** The feed has handed over everything it will (a bounded feed after its last epoch). */
    default void end() throws InterruptedException {
    }

    /**
     * Waits up to {@code timeout} until the next record can be accepted without blocking; false if
     * it cannot yet. A live tail asks before each record and keeps its consumer group alive in
     * between.
     */
    default boolean awaitRoom(long timeout, TimeUnit unit) throws InterruptedException {
        return true;
    }
}
