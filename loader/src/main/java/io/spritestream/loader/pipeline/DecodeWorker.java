package io.spritestream.loader.pipeline;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.augment.Augmenter;
import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.decode.SlotMats;
import io.spritestream.loader.decode.SpriteDecoder;
import io.spritestream.loader.cache.DecodedCache;
import io.spritestream.loader.cache.Shard;
import io.spritestream.loader.cache.ShardWriter;
import io.spritestream.loader.ingest.RecordFetcher;
import java.nio.ByteBuffer;
import java.util.concurrent.BlockingQueue;
import java.util.zip.CRC32C;

/**
 * The decoders' work: take sealed slabs from the reader, claim chunks of their slots, and decode
 * each slot's record into the slot's memory. A record that does not decode is marked rejected (a
 * value, not an error), as is one whose label lets it become no sample ({@link LabelCheck}, checked
 * first); anything thrown is a bug and stops the pipeline. A sample that made it is
 * then augmented in its slot (after the cache took its copy: the cache holds samples as decoded).
 * One instance serves every decode thread ({@link #run}) and the assembler thread while it waits
 * ({@link #decodeUnclaimed}); each thread has its own {@link Tools}.
 */
final class DecodeWorker {

    private final BlockingQueue<BatchSlots> readerToDecoders;
    private final SlotMats slotMats;
    private final PixelSpec pixels;
    private final DecodeLimits limits;
    private final LoaderStats stats;
    private final LoaderListener listener;
    private final DecodedCache cache;
    private final RecordFetcher refetch;
    private final ThreadLocal<CRC32C> checksums = ThreadLocal.withInitial(CRC32C::new);
    private final AugmentSpec augment;
    private final long seed;
    private final LabelCheck labels;

    /** What one thread decodes and augments with; the thread closes it. */
    static final class Tools implements AutoCloseable {
        final SpriteDecoder decoder;
        final Augmenter augmenter;

        private Tools(SpriteDecoder decoder, Augmenter augmenter) {
            this.decoder = decoder;
            this.augmenter = augmenter;
        }

        @Override
        public void close() {
            try {
                decoder.close();
            } finally {
                if (augmenter != null) {
                    augmenter.close();
                }
            }
        }
    }

    /**
     * @param cache   the decoded-sample cache, or null
     * @param refetch reads a record again when its cached sample is damaged (with a cache)
     * @param augment how samples are augmented, with draws from {@code seed}, the epoch and the record
     * @param labels  which labels let a record become a sample (checked before it is decoded)
     */
    DecodeWorker(BlockingQueue<BatchSlots> readerToDecoders, SlotMats slotMats, PixelSpec pixels,
                 DecodeLimits limits, LoaderStats stats, LoaderListener listener, DecodedCache cache,
                 RecordFetcher refetch, AugmentSpec augment, long seed, LabelCheck labels) {
        this.readerToDecoders = readerToDecoders;
        this.slotMats = slotMats;
        this.pixels = pixels;
        this.limits = limits;
        this.stats = stats;
        this.listener = listener;
        this.cache = cache;
        this.refetch = refetch;
        this.augment = augment;
        this.seed = seed;
        this.labels = labels;
    }

    /** A decode thread's loop, until it is interrupted. */
    void run() throws InterruptedException {
        try (Tools tools = newTools()) {
            while (true) {
                decodeUnclaimed(tools, readerToDecoders.take());
            }
        }
    }

    /** A decoder and an augmenter for one thread (the caller closes them). */
    Tools newTools() {
        SpriteDecoder decoder = new SpriteDecoder(pixels, limits);
        return new Tools(decoder, augment.isNone() ? null : new Augmenter(augment, pixels));
    }

    /**
     * Claims and decodes chunks of {@code slots} until none is left unclaimed. Decode threads do it
     * for every slab; the assembler thread does it while it waits for a slab (so a wait turns into
     * decoding, and the slab it needs first is done sooner).
     */
    void decodeUnclaimed(Tools tools, BatchSlots slots) {
        for (int from = slots.claimChunk(); from >= 0; from = slots.claimChunk()) {
            decodeChunk(tools, slots, from, slots.chunkEnd(from));
            slots.chunkDone();
        }
    }

    private void decodeChunk(Tools tools, BatchSlots slots, int from, int to) {
        long slotBegan = System.nanoTime();
        int copied = 0;
        int labelRejects = 0;
        for (int slot = from; slot < to; slot++) {
            RejectReason labelReason = labels.check(slots.label(slot));
            if (labelReason != null) {
                rejectForLabel(slots, slot, labelReason);
                labelRejects++;
                slotBegan = System.nanoTime();
                continue;
            }
            Shard shard = slots.cached(slot);
            boolean fromCache = shard != null && copyFromCache(shard, slots, slot);
            if (fromCache) {
                augment(tools, slots, slot);
                slots.decoded(slot);
                copied++;
            } else {
                decode(tools, slots, slot, shard);
            }
            // One clock read a sample: the end of one is the start of the next.
            long now = System.nanoTime();
            if (!fromCache) {
                listener.decoded(now - slotBegan);
            }
            slotBegan = now;
        }
        if (cache != null) {
            stats.cacheHits.add(copied);
            stats.cacheMisses.add(to - from - copied - labelRejects);
        }
    }

    /**
     * The slot's record cannot become a sample for its label ({@link LabelCheck}): rejected without
     * being decoded, with its value (read again from Kafka if the cache held its sample, so the dead
     * letter carries it), and marked bad in the cache it was to be written to.
     */
    private void rejectForLabel(BatchSlots slots, int slot, RejectReason reason) {
        if (slots.cached(slot) != null) {
            slots.readAgain(slot, refetch.value(slots.partition(slot), slots.offset(slot)));
        }
        ShardWriter writer = slots.cacheWriter(slot);
        if (writer != null) {
            writer.bad(slots.offset(slot), slots.key(slot), slots.label(slot), slots.timestamp(slot));
        }
        slots.reject(slot, reason, labels.error(slots.label(slot), reason));
    }

    /**
     * Decodes the slot's record (read again from Kafka if its cached copy was damaged) and writes the
     * sample to the cache; a record that cannot become a sample is marked rejected.
     */
    private void decode(Tools tools, BatchSlots slots, int slot, Shard damaged) {
        SpriteDecoder decoder = tools.decoder;
        ByteBuffer value = slots.value(slot);
        if (damaged != null) {
            value = refetch.value(slots.partition(slot), slots.offset(slot));
            slots.readAgain(slot, value);
        }
        RejectReason reason = decoder.decodeInto(value, slotMats.slot(slots.lease(), slot));
        ShardWriter writer = slots.cacheWriter(slot);
        if (reason != null) {
            if (writer != null) {
                writer.bad(slots.offset(slot), slots.key(slot), slots.label(slot), slots.timestamp(slot));
            }
            slots.reject(slot, reason, decoder.lastError());
            return;
        }
        if (writer != null) {
            writer.sample(slots.offset(slot), slots.lease().memory(), slots.lease().layout().slotOffset(slot),
                    slots.key(slot), slots.label(slot), slots.timestamp(slot), checksums.get());
        }
        augment(tools, slots, slot);
        slots.decoded(slot);
    }

    /** The slot's sample augmented in place, as its record is in its epoch (nothing without a spec). */
    private void augment(Tools tools, BatchSlots slots, int slot) {
        if (tools.augmenter != null) {
            tools.augmenter.apply(slotMats.slot(slots.lease(), slot), seed, slots.epoch(), slots.partition(slot),
                    slots.offset(slot));
        }
    }

    /**
     * The slot's sample read from the cache, its checksum checked; false if it fails (counted, shard
     * discarded) or the shard could not be read (an interrupt, an I/O error: left as it is). Either
     * way the record is then read from Kafka and decoded.
     */
    private boolean copyFromCache(Shard shard, BatchSlots slots, int slot) {
        try {
            if (shard.copyTo(slots.offset(slot), slots.lease().memory(), slots.lease().layout().slotOffset(slot),
                    checksums.get())) {
                return true;
            }
        } catch (java.io.IOException unreadable) {
            return false;
        }
        stats.cacheCorrupt.increment();
        cache.corrupt(shard);
        return false;
    }
}
