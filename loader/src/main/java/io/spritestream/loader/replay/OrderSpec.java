package io.spritestream.loader.replay;

/**
 * How an epoch's sample order is made.
 *
 * <p>Shuffling permutes blocks of {@code blockSize} consecutive offsets of one partition (so Kafka
 * reads stay sequential: one seek per block), then mixes the records within a bounded buffer of
 * {@code bufferSize} records. Memory for mixing is bounded by the buffer; a record can move at most
 * a buffer's length earlier and any distance later. Each epoch has its own order, derived from the
 * seed and the epoch number; the same seed gives the same order on every run, for any number of
 * decode threads, any fetch timing and any batch size.
 *
 * @param seed       the seed of every random choice
 * @param shuffle    false: offset order (blocks of each partition in turn)
 * @param blockSize  records per block
 * @param bufferSize records in the mixing buffer (1 = blocks permuted, records within a block in order)
 * @param remainder  what happens to records that do not divide among the ranks
 */
public record OrderSpec(long seed, boolean shuffle, int blockSize, int bufferSize, Remainder remainder) {

    /** Default records per block. */
    public static final int DEFAULT_BLOCK = 512;
    /** Default records in the mixing buffer. */
    public static final int DEFAULT_BUFFER = 4096;

    public OrderSpec {
        if (blockSize < 1 || blockSize > (1 << 20)) {
            throw new IllegalArgumentException("--shuffle-block: " + blockSize + " (expected 1..1048576)");
        }
        if (bufferSize < 1 || bufferSize > (1 << 24)) {
            throw new IllegalArgumentException("--shuffle-buffer: " + bufferSize + " (expected 1..16777216)");
        }
        if (remainder == null) {
            throw new IllegalArgumentException("--remainder: null (expected drop or pad)");
        }
    }

    /** Offset order, no shuffling. */
    public static OrderSpec inOffsetOrder() {
        return new OrderSpec(0, false, DEFAULT_BLOCK, 1, Remainder.DROP);
    }

    /** Shuffled with the defaults. */
    public static OrderSpec shuffled(long seed) {
        return new OrderSpec(seed, true, DEFAULT_BLOCK, DEFAULT_BUFFER, Remainder.DROP);
    }
}
