package io.spritestream.loader.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.SlabPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Slots are reused with their slab; decode claims of one use must never leak into the next. */
class BatchSlotsTest {

    private static void fill(BatchSlots slots, int n) {
        for (int i = 0; i < n; i++) {
            slots.add(i, 0, i, 0, null, null, null);
        }
    }

    @Test
    void aClaimFromAnEarlierUseTakenBeforeTheNextSealClaimsNothing() throws Exception {
        try (SlabPool pool = new SlabPool(new SlabLayout(4, 1, 1, 4), 1, LeakDetection.SIMPLE)) {
            SlabLease first = pool.acquire("first");
            BatchSlots slots = new BatchSlots(first, 0);
            fill(slots, 4);
            assertEquals(2, slots.seal(2));
            assertEquals(0, slots.claimChunk());
            assertEquals(2, slots.claimChunk());
            slots.chunkDone();
            slots.chunkDone();
            assertTrue(slots.awaitDecoded(1, TimeUnit.SECONDS));
            first.close();

            SlabLease second = pool.acquire("second");
            slots.reuse(second, 1);
            // A decoder still holding a queue token of the first use claims while the reader fills the slots.
            assertEquals(-1, slots.claimChunk(), "nothing to claim before the seal");
            fill(slots, 3);
            assertEquals(-1, slots.claimChunk(), "still nothing while filling");
            assertEquals(2, slots.seal(2));
            assertFalse(slots.awaitDecoded(0, TimeUnit.MILLISECONDS), "decoding is pending again");
            assertEquals(0, slots.claimChunk(), "the new use starts at slot 0");
            assertEquals(2, slots.claimChunk());
            assertEquals(-1, slots.claimChunk());
            slots.chunkDone();
            slots.chunkDone();
            assertTrue(slots.awaitDecoded(1, TimeUnit.SECONDS));
            assertEquals(1, slots.epoch());
            second.close();
        }
    }
}
