package io.spritestream.loader.ingest;

import java.util.ArrayList;
import java.util.List;

/**
 * The order in which one epoch reads a dataset: a list of blocks (runs of consecutive offsets of one
 * partition). Records are delivered block by block, in offset order within a block. Reading blocks
 * rather than single offsets is what keeps Kafka fast: one seek per block.
 */
public record ReadPlan(List<OffsetRange> blocks) {

    public ReadPlan {
        blocks = List.copyOf(blocks);
    }

    /**
     * Offset order: each range cut into blocks of {@code blockSize}, the partitions taken in turn
     * (block 0 of every partition, then block 1, ...).
     */
    public static ReadPlan inOffsetOrder(List<OffsetRange> ranges, int blockSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size: " + blockSize + " (expected >= 1)");
        }
        List<List<OffsetRange>> perPartition = new ArrayList<>();
        for (OffsetRange range : ranges) {
            List<OffsetRange> blocks = new ArrayList<>();
            for (long s = range.start(); s < range.end(); s += blockSize) {
                blocks.add(new OffsetRange(range.partition(), s, Math.min(range.end(), s + blockSize)));
            }
            perPartition.add(blocks);
        }
        List<OffsetRange> order = new ArrayList<>();
        for (int round = 0; ; round++) {
            boolean any = false;
            for (List<OffsetRange> blocks : perPartition) {
                if (round < blocks.size()) {
                    order.add(blocks.get(round));
                    any = true;
                }
            }
            if (!any) {
                break;
            }
        }
        return new ReadPlan(order);
    }

    /** Records the plan covers. */
    public long records() {
        return blocks.stream().mapToLong(OffsetRange::size).sum();
    }
}
