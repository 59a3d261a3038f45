package io.spritestream.loader.replay;

/**
 * What happens to the records of an epoch that do not divide evenly among the ranks, so that every
 * rank gets the same number of samples (uneven shards hang distributed training).
 */
public enum Remainder {
    /**
     * The last {@code N mod worldSize} records of the epoch's read order are left out of that epoch.
     * With shuffling the read order changes every epoch, so different records are left out each time.
     */
    DROP,
    /** The epoch is completed with the first records of its read order again, so none is left out. */
    PAD
}
