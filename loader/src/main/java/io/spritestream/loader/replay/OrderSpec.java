package io.spritestream.loader.replay;

import io.spritestream.config.Setting;
import java.util.List;

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

    /** Records per block. */
    public static final Setting<Integer> SHUFFLE_BLOCK = Setting.integer("shuffle-block", 512, 1, 1 << 20,
            "Consecutive offsets read as one block; blocks are permuted each epoch");
    /** Records in the mixing buffer. */
    public static final Setting<Integer> SHUFFLE_BUFFER = Setting.integer("shuffle-buffer", 4096, 1, 1 << 24,
            "Records mixed in the bounded shuffle buffer");
    /** What happens to records that do not divide among the ranks. */
    public static final Setting<Remainder> REMAINDER = Setting.choice("remainder", Remainder.class, Remainder.DROP,
            "Records that do not divide among the ranks: left out of that epoch, or completed by repeating the "
                    + "first ones");

    public OrderSpec {
        SHUFFLE_BLOCK.check(blockSize);
        SHUFFLE_BUFFER.check(bufferSize);
        REMAINDER.check(remainder);
    }

    /** Offset order, no shuffling. */
    public static OrderSpec inOffsetOrder() {
        return new OrderSpec(0, false, SHUFFLE_BLOCK.defaultValue(), 1, REMAINDER.defaultValue());
    }

    /** Shuffled with the defaults. */
    public static OrderSpec shuffled(long seed) {
        return new OrderSpec(seed, true, SHUFFLE_BLOCK.defaultValue(), SHUFFLE_BUFFER.defaultValue(),
                REMAINDER.defaultValue());
    }

    /** Every setting an order is made of. */
    public static List<Setting<?>> settings() {
        return List.of(SHUFFLE_BLOCK, SHUFFLE_BUFFER, REMAINDER);
    }
}
