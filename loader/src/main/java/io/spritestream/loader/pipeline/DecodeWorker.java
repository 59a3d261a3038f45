package io.spritestream.loader.pipeline;

import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.decode.SlotMats;
import io.spritestream.loader.decode.SpriteDecoder;
import java.util.concurrent.BlockingQueue;

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

    DecodeWorker(BlockingQueue<BatchSlots> readerToDecoders, SlotMats slotMats, PixelSpec pixels,
                 DecodeLimits limits, LoaderStats stats, LoaderListener listener) {
        this.readerToDecoders = readerToDecoders;
        this.slotMats = slotMats;
        this.pixels = pixels;
        this.limits = limits;
        this.stats = stats;
        this.listener = listener;
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
        long began = System.nanoTime();
        long slotBegan = began;
        int ok = 0;
        for (int slot = from; slot < to; slot++) {
            RejectReason reason = decoder.decodeInto(slots.value(slot), slotMats.slot(slots.lease(), slot));
            if (reason == null) {
                slots.decoded(slot);
                ok++;
            } else {
                slots.reject(slot, reason, decoder.lastError());
            }
            // One clock read a sample: the end of one is the start of the next.
            long now = System.nanoTime();
            listener.decoded(now - slotBegan);
            slotBegan = now;
        }
        stats.decodeNanos.add(slotBegan - began);
        stats.decoded.add(ok);
    }
}
