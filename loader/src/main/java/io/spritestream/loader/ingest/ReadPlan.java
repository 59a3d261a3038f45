package io.spritestream.loader.ingest;

import io.spritestream.loader.replay.OffsetRange;
import java.util.List;

/**
 * The blocks one epoch fetches, in fetch order: runs of consecutive offsets of one partition.
 * Records are delivered block by block, in offset order within a block. Reading blocks rather than
 * single offsets is what keeps Kafka fast: one seek per block.
 */
public record ReadPlan(List<OffsetRange> blocks) {

    public ReadPlan {
        blocks = List.copyOf(blocks);
    }

    /** Records the plan covers. */
    public long records() {
        return blocks.stream().mapToLong(OffsetRange::size).sum();
    }
}
