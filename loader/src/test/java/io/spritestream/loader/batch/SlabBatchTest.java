package io.spritestream.loader.batch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.spritestream.loader.decode.OpenCvNatives;
import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.SlabPool;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * Batches over pooled slabs with the real DJL PyTorch engine: the arrays are views of the slab,
 * closing returns the slab, rejected records are replaced by the next good samples.
 */
class SlabBatchTest {

    private static final SlabLayout LAYOUT = new SlabLayout(4, 2, 3, 4);
    /** How long a leak test runs the collector for a report (or a collection) it expects. */
    private static final Duration LEAK_WAIT = Duration.ofSeconds(20);

    private NDManager manager;
    private SlabPool pool;
    private final List<String> rejected = new ArrayList<>();

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        pool = new SlabPool(LAYOUT, 4, LeakDetection.PARANOID);
    }

    @AfterEach
    void close() {
        pool.close(); // fails, naming them, if a test left a slab leased
        manager.close();
    }

    private BatchAssembler assembler(boolean dropLast) {
        return new BatchAssembler(manager, new LabelIndex(List.of("a", "b")),
                (slots, slot) -> rejected.add(slots.key(slot) == null ? "?" :
                        StandardCharsets.UTF_8.decode(slots.key(slot).duplicate()) + ":" + slots.reject(slot).code()),
                dropLast);
    }

    /** A decoded slab whose sample i has every pixel byte = first + i, label a/b alternating. */
    private BatchSlots slots(int epoch, int first, int count, int... rejectedSlots) throws InterruptedException {
        BatchSlots slots = new BatchSlots(pool.acquire("test"), epoch);
        for (int i = 0; i < count; i++) {
            int id = first + i;
            ByteBuffer key = ByteBuffer.wrap(("k" + id).getBytes(StandardCharsets.UTF_8));
            slots.add(id, id % 3, 1000 + id, id, key, (id % 2 == 0 ? "a" : "b").getBytes(StandardCharsets.UTF_8), null);
            ByteBuffer memory = slots.lease().memory();
            for (int b = 0; b < LAYOUT.sampleBytes(); b++) {
                memory.put(LAYOUT.slotOffset(i) + b, (byte) id);
            }
        }
        for (int slot : rejectedSlots) {
            slots.reject(slot, RejectReason.UNDECODABLE, "bad");
        }
        slots.seal(count);
        slots.chunkDone();
        return slots;
    }

    @Test
    void writesToTheSlabShowInTheArrayAndWritesToTheArrayShowInTheSlab() throws Exception {
        BatchSlots slots = slots(0, 1, 4);
        try (SpriteBatch batch = assembler(false).accept(slots)) {
            NDArray images = batch.images();
            assertEquals(new Shape(4, 2, 3, 4), images.getShape());
            assertEquals(DataType.UINT8, images.getDataType());

            slots.lease().memory().put(LAYOUT.slotOffset(2) + 5, (byte) 99);
            assertEquals(99, images.toByteArray()[LAYOUT.slotOffset(2) + 5], "slab -> array");

            images.addi(1);
            assertEquals(2, slots.lease().memory().get(0), "array -> slab");
            assertEquals(100, slots.lease().memory().get(LAYOUT.slotOffset(2) + 5));
        }
    }

    @Test
    void theArraysNativeMemoryIsTheSlabsNotACopy() throws Exception {
        OpenCvNatives.load();
        BatchSlots slots = slots(0, 1, 4);
        try (SpriteBatch batch = assembler(false).accept(slots)) {
            ByteBuffer arrayMemory = batch.images().toByteBuffer(true);
            assertTrue(arrayMemory.isDirect(), "a direct view of the tensor's memory");
            assertEquals(address(slots.lease().images(4)), address(arrayMemory));
        }
    }

    @Test
    void closingTheBatchReturnsTheSlabAndItsArraysCanNoLongerBeRead() throws Exception {
        SpriteBatch batch = assembler(false).accept(slots(0, 1, 4));
        NDArray images = batch.images();
        NDArray labels = batch.labels();
        assertEquals(3, pool.freeCount());

        batch.close();

        assertEquals(4, pool.freeCount());
        assertThrows(IllegalStateException.class, images::toByteArray);
        assertThrows(IllegalStateException.class, labels::toIntArray);
        assertThrows(IllegalStateException.class, batch::images);
        assertThrows(IllegalStateException.class, () -> batch.key(0));
        batch.close(); // idempotent
        assertEquals(4, pool.freeCount());
    }

    @Test
    void labelsAreAnInt32ViewOfClassIdsAndRowsKnowWhereTheyCameFrom() throws Exception {
        try (SpriteBatch batch = assembler(false).accept(slots(0, 4, 4))) {
            assertEquals(DataType.INT32, batch.labels().getDataType());
            assertArrayEquals(new int[] {0, 1, 0, 1}, batch.labels().toIntArray());
            assertEquals("k5", batch.key(1));
            assertEquals(1005, batch.offset(1));
            assertEquals(5 % 3, batch.partition(1));
            assertEquals(List.of("a", "b"), batch.classes());
        }
    }

    @Test
    void detachGivesIndependentCopiesThatOutliveTheBatch() throws Exception {
        NDList copies;
        try (NDManager keeper = manager.newSubManager()) {
            try (SpriteBatch batch = assembler(false).accept(slots(0, 1, 4))) {
                copies = batch.detach(keeper);
                batch.images().addi(10);
            }
            assertEquals(1, copies.get(0).toByteArray()[0], "unchanged by writes to the batch, readable after close");
            assertArrayEquals(new int[] {1, 0, 1, 0}, copies.get(1).toIntArray());
        }
    }

    @Test
    void rejectedRecordsAreReplacedByTheNextGoodSamplesInOrder() throws Exception {
        BatchAssembler assembler = assembler(false);
        assertNull(assembler.accept(slots(0, 0, 4, 1)), "3 good samples: not yet a full batch");
        SpriteBatch first = assembler.accept(slots(0, 4, 4, 0, 2));
        assertNotNull(first);
        try (first) {
            assertEquals(List.of("k0", "k2", "k3", "k5"), keys(first));
            assertArrayEquals(new byte[] {0, 2, 3, 5}, firstBytes(first), "pixels moved with their metadata");
            assertArrayEquals(new int[] {0, 0, 1, 1}, first.labels().toIntArray());
        }
        SpriteBatch last = assembler.endEpoch();
        try (last) {
            assertEquals(List.of("k7"), keys(last));
            assertArrayEquals(new byte[] {7}, firstBytes(last));
        }
        assertEquals(List.of("k1:undecodable", "k4:undecodable", "k6:undecodable"), rejected);
    }

    @Test
    void aSlabWithNothingGoodIsReturnedAtOnce() throws Exception {
        BatchAssembler assembler = assembler(false);
        assertNull(assembler.accept(slots(0, 0, 4, 0, 1, 2, 3)));
        assertEquals(4, pool.freeCount());
        assertNull(assembler.endEpoch());
    }

    @Test
    void theLastPartialBatchOfAnEpochIsDeliveredOrDroppedWithDropLast() throws Exception {
        BatchAssembler keep = assembler(false);
        assertNull(keep.accept(slots(0, 0, 3)));
        try (SpriteBatch partial = keep.endEpoch()) {
            assertEquals(3, partial.size());
            assertEquals(new Shape(3, 2, 3, 4), partial.images().getShape());
        }

        BatchAssembler drop = assembler(true);
        assertNull(drop.accept(slots(0, 0, 3)));
        assertNull(drop.endEpoch());
        assertEquals(3, drop.dropped());
        assertEquals(4, pool.freeCount());
    }

    @Test
    void aBatchDroppedWithoutClosingIsReportedWithWhereItWasHandedOut() throws Exception {
        LeakReports reports = new LeakReports();
        pool.leakReporter(reports);
        handOutAndForget();

        assertTrue(reports.awaitNaming("batch 0 of epoch 0"), "the dropped batch is reported");

        assertEquals(1, reports.all().size(), "one leak report");
        String report = reports.all().get(0);
        assertTrue(report.startsWith("LEAK: slab "), report);
        assertTrue(report.contains("batch 0 of epoch 0"), report);
        assertTrue(report.contains("handOutAndForget"), "paranoid: where it was handed out: " + report);
        // A batch dropped later is reported too; once the cleaner is idle after that, a second report
        // of the first (queued with it, before the later one) would be in.
        forget(assembler(false), 1);
        assertTrue(reports.awaitNaming("batch 0 of epoch 1"), "a batch dropped later is reported too");
        assertTrue(reports.awaitIdleCleaner(), "the cleaner has nothing left to report");
        assertEquals(1, reports.naming("batch 0 of epoch 0").size(), "still one report of the first: " + reports.all());
        // The slabs stay out of the pool: closing the pool names them.
        IllegalStateException e = assertThrows(IllegalStateException.class, pool::close);
        assertTrue(e.getMessage().contains("batch 0 of epoch 0"), e.getMessage());
        pool.outstanding().forEach(SlabLease::close);
    }

    private void handOutAndForget() throws InterruptedException {
        SpriteBatch forgotten = assembler(false).accept(slots(0, 1, 4));
        assertEquals(4, forgotten.size());
    }

    @Test
    void aClosedBatchIsNeverReportedAsALeak() throws Exception {
        LeakReports reports = new LeakReports();
        pool.leakReporter(reports);
        BatchAssembler assembler = assembler(false);
        ReferenceQueue<SpriteBatch> collected = new ReferenceQueue<>();
        WeakReference<SpriteBatch> closed = handOutAndClose(assembler, collected);
        assertTrue(awaitCollected(collected), "the closed batch is garbage");
        // The control: the next batch, dropped without closing once the closed one is gone, must be
        // reported. Whatever the collector queued for the closed batch was queued before it, so once
        // the cleaner has reported the control and waits for more, it has had its turn with the closed one.
        forget(assembler, 0);

        assertTrue(reports.awaitNaming("batch 1 of epoch 0"), "the dropped control batch is reported");
        assertTrue(reports.awaitIdleCleaner(), "the cleaner has nothing left to report");

        assertEquals(List.of(), reports.naming("batch 0 of epoch 0"), "the closed batch is not reported");
        assertEquals(1, pool.leaksReported(), "only the control: " + reports.all());
        assertNull(closed.get());
        pool.outstanding().forEach(SlabLease::close);
    }

    /** Hands out a batch and closes it; only a weak reference to it is left. */
    private WeakReference<SpriteBatch> handOutAndClose(BatchAssembler assembler, ReferenceQueue<SpriteBatch> queue)
            throws InterruptedException {
        SpriteBatch batch = assembler.accept(slots(0, 1, 4));
        batch.close();
        return new WeakReference<>(batch, queue);
    }

    /** Hands out a batch of {@code epoch} and drops it without closing. */
    private void forget(BatchAssembler assembler, int epoch) throws InterruptedException {
        SpriteBatch forgotten = assembler.accept(slots(epoch, 1, 4));
        assertEquals(4, forgotten.size());
    }

    /** Runs the collector until a reference is queued on {@code queue}; false if none was within 20 s. */
    private static boolean awaitCollected(ReferenceQueue<?> queue) throws InterruptedException {
        long deadline = System.nanoTime() + LEAK_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            System.gc();
            if (queue.remove(100) != null) {
                return true;
            }
        }
        return false;
    }

    /** The pool's leak reports, as the cleaner's thread makes them. */
    private static final class LeakReports implements Consumer<String> {

        private final List<String> reports = new ArrayList<>();
        private volatile Thread cleaner;

        @Override
        public synchronized void accept(String report) {
            cleaner = Thread.currentThread();
            reports.add(report);
            notifyAll();
        }

        synchronized List<String> all() {
            return List.copyOf(reports);
        }

        /** The reports of the lease held by {@code owner} (e.g. {@code batch 0 of epoch 0}). */
        synchronized List<String> naming(String owner) {
            return reports.stream().filter(r -> r.contains("(" + owner + ")")).toList();
        }

        /** Runs the collector until a report names {@code owner}; false if none did within 20 s. */
        synchronized boolean awaitNaming(String owner) throws InterruptedException {
            long deadline = System.nanoTime() + LEAK_WAIT.toNanos();
            while (naming(owner).isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                System.gc();
                wait(Math.max(1, Math.min(100, TimeUnit.NANOSECONDS.toMillis(left))));
            }
            return true;
        }

        /**
         * Waits until the thread that made the reports waits for work: its queue is empty, so every
         * reference queued before the last report has been handled (the queue is last in, first out:
         * a report does not mean the ones queued before it are done). False if it is busy for 20 s.
         */
        boolean awaitIdleCleaner() throws InterruptedException {
            Thread thread = cleaner;
            long deadline = System.nanoTime() + LEAK_WAIT.toNanos();
            while (thread.getState() != Thread.State.WAITING && thread.getState() != Thread.State.TIMED_WAITING) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                Thread.sleep(1);
            }
            return true;
        }
    }

    private static List<String> keys(SpriteBatch batch) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            keys.add(batch.key(i));
        }
        return keys;
    }

    private static byte[] firstBytes(SpriteBatch batch) {
        byte[] all = batch.images().toByteArray();
        byte[] first = new byte[batch.size()];
        for (int i = 0; i < first.length; i++) {
            first[i] = all[i * LAYOUT.sampleBytes()];
        }
        return first;
    }

    /** The native address of a direct buffer, read through an OpenCV Mat header over it. */
    private static long address(ByteBuffer direct) {
        Mat mat = new Mat(1, direct.capacity(), CvType.CV_8UC1, direct);
        try {
            return mat.dataAddr();
        } finally {
            mat.release();
            java.lang.ref.Reference.reachabilityFence(direct);
        }
    }
}
