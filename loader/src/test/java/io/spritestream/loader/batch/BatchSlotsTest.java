package io.spritestream.loader.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.SlabPool;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
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

    private static final int CAPACITY = 16;
    /** Uses of the slots, unless the time below is up first (on a busy machine), but at least a tenth. */
    private static final int ROUNDS = 20_000;
    private static final long STRESS_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int DECODERS = 3;

    /** A sealed use of the slots, as the test's reader made it, with the claims decoders made of it. */
    private record Use(int round, int count, int chunkSize, AtomicIntegerArray claims, AtomicInteger chunks) {}

    /**
     * The reader reuses, fills and seals one object over and over while decoders claim its chunks,
     * as in the loader: decoders with one token a chunk (tokens a use did not need are taken later,
     * during a later use or between uses), and one that claims all the time, between uses too.
     * Counts and chunk sizes change from use to use, so a claim made with another use's shows.
     */
    @Test
    void concurrentClaimsTakeEverySlotOfEveryUseOnceAndNothingBetweenUses() throws Exception {
        try (SlabPool pool = new SlabPool(new SlabLayout(CAPACITY, 1, 1, 1), 1, LeakDetection.OFF)) {
            SlabLease lease = pool.acquire("stress");
            BatchSlots slots = new BatchSlots(lease, 0);
            BlockingQueue<BatchSlots> tokens = new LinkedBlockingQueue<>();
            // The use decoders may claim from: set before each seal, cleared once the use is checked.
            AtomicReference<Use> sealed = new AtomicReference<>();
            AtomicReference<String> violation = new AtomicReference<>();
            AtomicInteger staleTries = new AtomicInteger();
            int rounds = 0;
            List<Thread> claimers = new ArrayList<>();
            for (int i = 0; i < DECODERS; i++) {
                claimers.add(new Thread(() -> {
                    try {
                        while (violation.get() == null && !Thread.currentThread().isInterrupted()) {
                            BatchSlots token = tokens.poll(10, TimeUnit.MILLISECONDS);
                            if (token != null) {
                                claimAll(token, sealed, violation);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "decoder-" + i));
            }
            claimers.add(new Thread(() -> {
                while (violation.get() == null && !Thread.currentThread().isInterrupted()) {
                    boolean between = sealed.get() == null;
                    claimAll(slots, sealed, violation);
                    if (between && sealed.get() == null) {
                        staleTries.incrementAndGet();
                    }
                    Thread.onSpinWait();
                }
            }, "stale-claimer"));
            claimers.forEach(t -> t.setDaemon(true));
            claimers.forEach(Thread::start);
            try {
                Random random = new Random(42);
                long stopAt = System.nanoTime() + STRESS_NANOS;
                for (int round = 0; round < ROUNDS && (round < ROUNDS / 10 || System.nanoTime() < stopAt); round++) {
                    if (round > 0) {
                        lease.close();
                        lease = pool.acquire("stress");
                        slots.reuse(lease, round);
                    }
                    int count = 1 + random.nextInt(CAPACITY);
                    slots.add(0, 0, 0, 0, null, null, null);
                    // A filling takes a while in the loader: give the stale claimer a moment with a
                    // record to claim (a pause, not a check: the checks are on each claim).
                    awaitChange(staleTries, 20_000);
                    for (int i = 1; i < count; i++) {
                        slots.add(i, 0, i, 0, null, null, null);
                    }
                    int chunkSize = 1 + random.nextInt(CAPACITY);
                    Use use = new Use(round, count, chunkSize, new AtomicIntegerArray(CAPACITY), new AtomicInteger());
                    sealed.set(use);
                    int chunks = slots.seal(chunkSize);
                    assertEquals((count + chunkSize - 1) / chunkSize, chunks);
                    for (int i = 0; i < chunks; i++) {
                        tokens.add(slots);
                    }
                    awaitDecoded(slots, use, violation);

                    assertTrue(slots.isDecoded(), "round " + round);
                    assertFalse(slots.claimable(), "round " + round);
                    assertEquals(chunks, use.chunks().get(), "chunks claimed in round " + round);
                    for (int slot = 0; slot < CAPACITY; slot++) {
                        assertEquals(slot < count ? 1 : 0, use.claims().get(slot),
                                "claims of slot " + slot + " in round " + round + " (" + use + ")");
                    }
                    sealed.set(null);
                    rounds++;
                }
            } finally {
                claimers.forEach(Thread::interrupt);
                for (Thread t : claimers) {
                    t.join(5_000);
                    assertFalse(t.isAlive(), t.getName() + " did not stop");
                }
                lease.close();
            }
            assertNull(violation.get());
            assertTrue(staleTries.get() > rounds / 10,
                    "claims tried between uses: " + staleTries.get() + " in " + rounds + " uses");
        }
    }

    /** Spins until {@code counter} changes or {@code nanos} pass. */
    private static void awaitChange(AtomicInteger counter, long nanos) {
        int before = counter.get();
        long until = System.nanoTime() + nanos;
        while (counter.get() == before && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
    }

    /** Claims and "decodes" chunks of {@code slots} until none is left, checking each claim against the sealed use. */
    private static void claimAll(BatchSlots slots, AtomicReference<Use> sealed, AtomicReference<String> violation) {
        for (int from = slots.claimChunk(); from >= 0; from = slots.claimChunk()) {
            Use use = sealed.get();
            if (use == null) {
                violation.compareAndSet(null, "slot " + from + " claimed while the slots were between uses");
                return;
            }
            if (from >= use.count() || from % use.chunkSize() != 0) {
                violation.compareAndSet(null, "slot " + from + " claimed, not the start of a chunk of " + use);
                return;
            }
            for (int slot = from; slot < slots.chunkEnd(from); slot++) {
                use.claims().incrementAndGet(slot);
            }
            if (slots.isDecoded()) {
                violation.compareAndSet(null, "decoded while the chunk at " + from + " was pending, " + use);
            }
            use.chunks().incrementAndGet();
            slots.chunkDone();
        }
    }

    /** Waits until the use is decoded; fails at once on a violation, and on a hang after 5 s. */
    private static void awaitDecoded(BatchSlots slots, Use use, AtomicReference<String> violation)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!slots.awaitDecoded(10, TimeUnit.MILLISECONDS)) {
            assertNull(violation.get(), () -> "seen in round " + use.round());
            if (System.nanoTime() > deadline) {
                fail("not decoded within 5 s: " + use);
            }
        }
        assertNull(violation.get(), () -> "seen in round " + use.round());
    }
}
