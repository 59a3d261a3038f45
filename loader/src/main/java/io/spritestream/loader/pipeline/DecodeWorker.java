package io.spritestream.loader.pipeline;

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
 * value, not an error); anything thrown is a bug and stops the pipeline. One instance serves every
 * decode thread ({@link #run}) and the assembler thread while it waits ({@link #decodeUnclaimed});
 * each thread has its own {@link SpriteDecoder}.
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

    /**
     * @param cache   the decoded-sample cache, or null
     * @param refetch reads a record again when its cached sample is damaged (with a cache)
     */
    DecodeWorker(BlockingQueue<BatchSlots> readerToDecoders, SlotMats slotMats, PixelSpec pixels,
                 DecodeLimits limits, LoaderStats stats, LoaderListener listener, DecodedCache cache,
                 RecordFetcher refetch) {
        this.readerToDecoders = readerToDecoders;
        this.slotMats = slotMats;
        this.pixels = pixels;
        this.limits = limits;
        this.stats = stats;
        this.listener = listener;
        this.cache = cache;
        this.refetch = refetch;
    }

    /** A decode thread's loop, until it is interrupted. */
    void run() throws InterruptedException {
        try (SpriteDecoder decoder = newDecoder()) {
            while (true) {
                decodeUnclaimed(decoder, readerToDecoders.take());
            }
        }
    }

    /** A decoder for one thread (the caller closes it). */
    SpriteDecoder newDecoder() {
        return new SpriteDecoder(pixels, limits);
    }

    /**
     * Claims and decodes chunks of {@code slots} until none is left unclaimed. Decode threads do it
     * for every slab; the assembler thread does it while it waits for a slab (so a wait turns into
     * decoding, and the slab it needs first is done sooner).
     */
    void decodeUnclaimed(SpriteDecoder decoder, BatchSlots slots) {
        for (int from = slots.claimChunk(); from >= 0; from = slots.claimChunk()) {
            decodeChunk(decoder, slots, from, slots.chunkEnd(from));
            slots.chunkDone();
        }
    }

    private void decodeChunk(SpriteDecoder decoder, BatchSlots slots, int from, int to) {
        long slotBegan = System.nanoTime();
        long decodeNanos = 0;
        long copyNanos = 0;
        int ok = 0;
        int copied = 0;
        for (int slot = from; slot < to; slot++) {
            Shard shard = slots.cached(slot);
            boolean fromCache = shard != null && copyFromCache(shard, slots, slot);
            if (fromCache) {
                slots.decoded(slot);
                copied++;
            } else if (decode(decoder, slots, slot, shard)) {
                ok++;
            }
            // One clock read a sample: the end of one is the start of the next.
            long now = System.nanoTime();
            if (fromCache) {
                copyNanos += now - slotBegan;
            } else {
                decodeNanos += now - slotBegan;
                listener.decoded(now - slotBegan);
            }
            slotBegan = now;
        }
        stats.decodeNanos.add(decodeNanos);
        stats.decoded.add(ok);
        if (cache != null) {
            stats.cacheHits.add(copied);
            stats.cacheMisses.add(to - from - copied);
            stats.cacheCopyNanos.add(copyNanos);
        }
    }

    /**
     * Decodes the slot's record (read again from Kafka if its cached copy was damaged) and writes the
     * sample to the cache; false if it could not become a sample (marked rejected).
     */
    private boolean decode(SpriteDecoder decoder, BatchSlots slots, int slot, Shard damaged) {
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
            return false;
        }
        if (writer != null) {
            writer.sample(slots.offset(slot), slots.lease().memory(), slots.lease().layout().slotOffset(slot),
                    slots.key(slot), slots.label(slot), slots.timestamp(slot), checksums.get());
        }
        slots.decoded(slot);
        return true;
    }

    /** The slot's sample copied out of the cache, its checksum checked; false (counted, shard discarded) if it fails. */
    private boolean copyFromCache(Shard shard, BatchSlots slots, int slot) {
        if (shard.copyTo(slots.offset(slot), slots.lease().memory(), slots.lease().layout().slotOffset(slot),
                checksums.get())) {
            return true;
        }
        stats.cacheCorrupt.increment();
        cache.corrupt(shard);
        return false;
    }
}
