package io.spritestream.loader.pipeline;

import io.spritestream.loader.batch.BatchSlots;

/** What the reader hands the assembler, in delivery order (the queue between the two threads). */
sealed interface ToAssembler {

    /** A slab of records, sealed: decoders may claim its slots. */
    record Filled(BatchSlots slots) implements ToAssembler {}

    /** Every record of {@code epoch} is in the slabs before this. */
    record EpochEnd(int epoch) implements ToAssembler {}

    /** A live tail went idle: deliver the partly filled batch now rather than wait for more records. */
    record Flush() implements ToAssembler {}

    /** The reader has handed over everything. */
    record End() implements ToAssembler {}
}
