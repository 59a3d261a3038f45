package io.spritestream.loader.ingest;

import io.spritestream.loader.cache.DecodedCache;
import io.spritestream.loader.cache.Shard;
import io.spritestream.loader.cache.ShardWriter;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.replay.OffsetRange;

/**
 * The decoded-sample cache as a bounded feed sees it, block by block of its record space: which
 * blocks of an epoch can be served from the cache instead of Kafka ({@link #servable}), and a writer
 * for each block it fetches.
 *
 * <p>A block is servable when a published shard covers it and holds every record the epoch needs
 * from it as a sample (or knows the offset is a gap); a record the shard's writer did not decode
 * (the other side of a split, another rank's, a bad one) only counts if this run skips it too (its
 * split leaves it out). Confined to the feed's thread.
 */
final class BlockCache {

    private final DecodedCache cache;
    private final KeySplit split;

    /** @param split the side of a split the run reads, or null */
    BlockCache(DecodedCache cache, KeySplit split) {
        this.cache = cache;
        this.split = split;
    }

    /** Lists the cache again: shards published since (by this run's last epoch, or another process). */
    void refresh() {
        cache.refresh();
    }

    /**
     * The shard to serve {@code block} from, or null to read it from Kafka.
     *
     * @param needed whether the epoch needs the block's record at each of its offsets
     */
    Shard servable(OffsetRange block, java.util.function.LongPredicate needed) {
        Shard shard = cache.shard(block.partition(), block.start(), block.end());
        if (shard == null) {
            return null;
        }
        for (long o = block.start(); o < block.end(); o++) {
            if (needed.test(o) && !shard.hasSample(o) && !shard.isMissing(o)
                    && (split == null || split.accepts(shard.key(o)))) {
                return null;
            }
        }
        return shard;
    }

    /** A writer for the shard of a block read from Kafka, or null if the cache takes no more. */
    ShardWriter writer(OffsetRange block) {
        return cache.writer(block.partition(), block.start(), block.end());
    }
}
