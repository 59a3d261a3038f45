package io.spritestream.loader.pipeline;

import io.spritestream.loader.batch.SpriteBatch;

/** What the assembler hands the trainer's thread, in delivery order ({@link ReadyBatches}). */
sealed interface ToTrainer {

    /**
     * A batch; {@code endsEpoch} >= 0 if it is that epoch's last; {@code repeated} and {@code dropped}
     * are the assembler's totals as of this batch; {@code oldestTimestamp} its oldest record's
     * timestamp (-1 if none has one).
     */
    record Assembled(SpriteBatch batch, int endsEpoch, long repeated, long dropped, long assemblyNanos,
                     long oldestTimestamp) implements ToTrainer {}

    /** {@code epoch} ended without a batch of its own to mark it (the last one was full, or none was left). */
    record EpochDone(int epoch, long dropped) implements ToTrainer {}

    /** The assembler could not make a batch (a bad record under {@code fail}): thrown in its turn. */
    record Failed(RuntimeException error) implements ToTrainer {}

    /** No batch will follow. */
    record End() implements ToTrainer {}
}
