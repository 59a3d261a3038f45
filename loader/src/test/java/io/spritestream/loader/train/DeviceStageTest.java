package io.spritestream.loader.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.testing.SlabBatches;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The device stage on its own: real slabs and batches, the real engine, a source without Kafka. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeviceStageTest {

    private static final SlabLayout LAYOUT = new SlabLayout(8, 4, 4, 4);

    private NDManager host;
    private NDManager device;
    private SlabBatches batches;

    @BeforeEach
    void open() {
        host = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        device = host.newSubManager();
        batches = new SlabBatches(host, LAYOUT, 6, List.of("a", "b", "c"));
    }

    @AfterEach
    void close() {
        batches.close(); // fails, naming them, if a slab is still leased
        host.close();
    }

    /** {@code count} batches of epoch 0, then the end; counts what was handed out. */
    private DeviceStage.Source source(int count, AtomicInteger handedOut) {
        return new DeviceStage.Source() {
            @Override
            public SpriteBatch next(java.util.function.IntConsumer ended) throws InterruptedException {
                if (handedOut.get() == count) {
                    return null;
                }
                handedOut.incrementAndGet();
                return batches.next(0);
            }
        };
    }

    private static DeviceStage.Item take(DeviceStage stage) throws InterruptedException {
        DeviceStage.Item item;
        do {
            item = stage.poll(100, TimeUnit.MILLISECONDS);
        } while (item == null);
        return item;
    }

    @Test
    void batchesArriveInOrderAsInputOnTheDeviceThenTheEnd() throws Exception {
        try (DeviceStage stage = new DeviceStage(source(3, new AtomicInteger()), device,
                PixelNormalization.scaleOnly(), 2, 24)) {
            stage.start();
            for (int i = 0; i < 3; i++) {
                try (StreamBatch batch = assertInstanceOf(DeviceStage.Prepared.class, take(stage)).batch()) {
                    assertEquals(i, batch.sprites().index(), "in order");
                    assertEquals(new Shape(8, 4, 4, 4), batch.getData().singletonOrThrow().getShape());
                    assertEquals(8L * (i + 1), batch.getProgress(), "samples of the epoch so far");
                    assertEquals(24, batch.getProgressTotal());
                }
            }
            assertInstanceOf(DeviceStage.End.class, take(stage));
        }
        assertEquals(batches.pool().capacity(), batches.pool().freeCount());
    }

    @Test
    void eachEpochsEndComesRightAfterItsLastBatchAndBeforeALaterEpochsFirst() throws Exception {
        // Epoch 0: two batches, the second ends it (told in the call that hands it out); epoch 1 has
        // no batch of its own (told in the next call, with epoch 2's first batch); then the end.
        int[] epochs = {0, 0, 2};
        int[][] endsTold = {{}, {0}, {1, 2}};
        AtomicInteger call = new AtomicInteger();
        DeviceStage.Source source = ended -> {
            int i = call.getAndIncrement();
            if (i == epochs.length) {
                return null;
            }
            for (int e : endsTold[i]) {
                ended.accept(e);
            }
            return batches.next(epochs[i]);
        };
        try (DeviceStage stage = new DeviceStage(source, device, PixelNormalization.scaleOnly(), 8, 0)) {
            stage.start();
            List<String> seen = new ArrayList<>();
            for (DeviceStage.Item item = take(stage); !(item instanceof DeviceStage.End); item = take(stage)) {
                if (item instanceof DeviceStage.Prepared p) {
                    seen.add("batch of " + p.batch().epoch());
                    p.batch().close();
                } else if (item instanceof DeviceStage.EpochEnd end) {
                    seen.add("end of " + end.epoch());
                }
            }
            assertEquals(List.of("batch of 0", "batch of 0", "end of 0", "end of 1", "batch of 2", "end of 2"), seen);
        }
    }

    @Test
    void anEpochWithoutABatchEndsWhileTheSourceStillWaitsForTheNextBatch() throws Exception {
        // Epoch 0: one batch, which ends it; epoch 1 has none (every record a dead letter) and the
        // next batch is far away: the source tells of epoch 1 at once and goes on waiting.
        java.util.concurrent.CountDownLatch farAway = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger call = new AtomicInteger();
        DeviceStage.Source source = new DeviceStage.Source() {
            @Override
            public SpriteBatch next(java.util.function.IntConsumer ended) {
                throw new AssertionError("the stage asks with both consumers");
            }

            @Override
            public SpriteBatch next(java.util.function.IntConsumer ended, java.util.function.IntConsumer endedWithoutBatch)
                    throws InterruptedException {
                switch (call.getAndIncrement()) {
                    case 0:
                        ended.accept(0);
                        return batches.next(0);
                    case 1:
                        endedWithoutBatch.accept(1);
                        ended.accept(1); // told the usual way as well: handed on once
                        farAway.await();
                        return null;
                    default:
                        return null;
                }
            }
        };
        try (DeviceStage stage = new DeviceStage(source, device, PixelNormalization.scaleOnly(), 8, 0)) {
            stage.start();
            try (StreamBatch batch = assertInstanceOf(DeviceStage.Prepared.class, take(stage)).batch()) {
                assertEquals(0, batch.epoch());
            }
            assertEquals(0, assertInstanceOf(DeviceStage.EpochEnd.class, take(stage)).epoch());
            assertEquals(1, assertInstanceOf(DeviceStage.EpochEnd.class, take(stage)).epoch(),
                    "epoch 1's end, while the source still waits");
            farAway.countDown();
            assertInstanceOf(DeviceStage.End.class, take(stage), "then the end, and epoch 1's end not twice");
        }
    }

    @Test
    void aFailureOfTheSourceReachesTheConsumerAfterTheBatchesBeforeIt() throws Exception {
        AtomicInteger handedOut = new AtomicInteger();
        DeviceStage.Source failing = new DeviceStage.Source() {
            @Override
            public SpriteBatch next(java.util.function.IntConsumer ended) throws InterruptedException {
                if (handedOut.getAndIncrement() == 1) {
                    throw new IllegalStateException("decoder died");
                }
                return batches.next(0);
            }
        };
        try (DeviceStage stage = new DeviceStage(failing, device, PixelNormalization.scaleOnly(), 2, 0)) {
            stage.start();
            assertInstanceOf(DeviceStage.Prepared.class, take(stage)).batch().close();
            DeviceStage.Failure failure = assertInstanceOf(DeviceStage.Failure.class, take(stage));
            assertEquals("decoder died", failure.cause().getMessage());
        }
    }

    @Test
    void closingTheStageClosesWhatNobodyTookAndStopsTakingBatches() throws Exception {
        AtomicInteger handedOut = new AtomicInteger();
        CountDownLatch full = new CountDownLatch(1);
        DeviceStage.Source source = new DeviceStage.Source() {
            @Override
            public SpriteBatch next(java.util.function.IntConsumer ended) throws InterruptedException {
                if (handedOut.incrementAndGet() == 3) {
                    full.countDown(); // two queued (the depth), the third waits to be queued
                }
                return batches.next(0);
            }
        };
        DeviceStage stage = new DeviceStage(source, device, PixelNormalization.scaleOnly(), 2, 0);
        stage.start();
        assertTrue(full.await(30, TimeUnit.SECONDS));

        stage.close();

        assertEquals(batches.pool().capacity(), batches.pool().freeCount(),
                "queued and in-hand batches closed: " + batches.pool().outstanding());
    }
}
