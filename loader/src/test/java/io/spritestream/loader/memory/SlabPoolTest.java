package io.spritestream.loader.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SlabPoolTest {

    private static final SlabLayout LAYOUT = new SlabLayout(4, 3, 5, 4);

    @Test
    void layoutPutsLabelsAfterThePixelsAtAnAlignedOffset() {
        assertEquals(60, LAYOUT.sampleBytes());
        assertEquals(240, LAYOUT.imageBytes());
        assertEquals(256, LAYOUT.labelsOffset());
        assertEquals(256 + 16, LAYOUT.slabBytes());
        assertEquals(120, LAYOUT.slotOffset(2));
    }

    @Test
    void closingALeaseReturnsTheSlabAndASecondCloseThrows() throws Exception {
        try (SlabPool pool = new SlabPool(LAYOUT, 2, LeakDetection.SIMPLE)) {
            SlabLease lease = pool.acquire("test");
            assertEquals(1, pool.freeCount());
            lease.close();
            assertEquals(2, pool.freeCount());
            IllegalStateException again = assertThrows(IllegalStateException.class, lease::close);
            assertTrue(again.getMessage().contains("already returned"), again.getMessage());
            assertEquals(2, pool.freeCount(), "a stale close must not return a slab twice");
        }
    }

    @Test
    void aClosedLeaseNoLongerHandsOutMemory() throws Exception {
        try (SlabPool pool = new SlabPool(LAYOUT, 1, LeakDetection.SIMPLE)) {
            SlabLease lease = pool.acquire("test");
            lease.close();
            assertThrows(IllegalStateException.class, () -> lease.images(1));
            assertThrows(IllegalStateException.class, lease::memory);
        }
    }

    @Test
    void anEmptyPoolMakesAcquireWaitUntilASlabIsReturned() throws Exception {
        try (SlabPool pool = new SlabPool(LAYOUT, 1, LeakDetection.SIMPLE)) {
            SlabLease first = pool.acquire("first");
            assertNull(pool.tryAcquire("second", 10, TimeUnit.MILLISECONDS), "no slab while the only one is out");
            Thread returner = new Thread(first::close);
            returner.start();
            SlabLease second = pool.tryAcquire("second", 10, TimeUnit.SECONDS);
            returner.join();
            assertEquals(0, second.slabIndex());
            second.close();
        }
    }

    @Test
    void closingThePoolWithLeasesOutFailsAndNamesThem() throws Exception {
        SlabPool pool = new SlabPool(LAYOUT, 3, LeakDetection.SIMPLE);
        SlabLease kept = pool.acquire("batch 7 of epoch 0");
        pool.acquire("returned").close();

        IllegalStateException leak = assertThrows(IllegalStateException.class, pool::close);

        assertTrue(leak.getMessage().contains("1 of 3 slabs still leased"), leak.getMessage());
        assertTrue(leak.getMessage().contains("batch 7 of epoch 0"), leak.getMessage());
        kept.close();
        pool.close();
        assertThrows(IllegalStateException.class, () -> pool.acquire("after close"));
    }

    @Test
    void paranoidLeakDetectionSaysWhereALeakedSlabWasTaken() throws Exception {
        SlabPool pool = new SlabPool(LAYOUT, 1, LeakDetection.PARANOID);
        SlabLease kept = pool.acquire("leaky");

        IllegalStateException leak = assertThrows(IllegalStateException.class, pool::close);

        assertTrue(leak.getMessage().contains("paranoidLeakDetectionSaysWhereALeakedSlabWasTaken"), leak.getMessage());
        kept.close();
        pool.close();
    }

    @Test
    void viewsAreSlicesOfTheSameMemory() throws Exception {
        try (SlabPool pool = new SlabPool(LAYOUT, 1, LeakDetection.SIMPLE)) {
            SlabLease lease = pool.acquire("test");
            lease.memory().put(LAYOUT.slotOffset(1) + 3, (byte) 42);
            lease.labels(4).putInt(8, 1234);

            assertEquals(42, lease.images(2).get(LAYOUT.sampleBytes() + 3));
            assertEquals(1234, lease.memory().order(java.nio.ByteOrder.nativeOrder()).getInt(LAYOUT.labelsOffset() + 8));
            assertEquals(2 * LAYOUT.sampleBytes(), lease.images(2).capacity(), "a view is exactly n samples long");
            assertNotSame(lease.images(1), lease.images(1));
            lease.close();
        }
    }

    @Test
    void badSizesAreRejectedWithTheNameAndTheExpectedRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SlabLayout(0, 3, 3, 4));
        assertEquals("batch: 0 (expected 1..65536)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SlabLayout(1, 3, 3, 2));
        assertEquals("channels: 2 (expected 1, 3 or 4)", e.getMessage());
    }
}
