package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Remainder;
import io.spritestream.loader.testing.Datasets;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** 200 epochs over a small dataset: nothing the loader holds may grow. */
@ExtendWith(SharedKafka.class)
class SoakTest {

    private static final int EPOCHS = 200;

    @Test
    void twoHundredEpochsLeaveSlabsDirectMemoryAndArraysWhereTheyStarted(EmbeddedKafka broker) throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        Datasets.synthetic(kafka, "soak", 96, 4, 16, 2);
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse("soak")).batchSize(16).epochs(EPOCHS).threads(2)
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD)).order(new OrderSpec(3, true, 32, 48, Remainder.DROP))
                .leakDetection(LeakDetection.PARANOID);
        long directAt10 = -1;
        int arraysAt10 = -1;
        int arraysLate = -1;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(config, kafka, manager)) {
            long samples = 0;
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                int epoch;
                try (SpriteBatch batch = next) {
                    epoch = batch.epoch();
                    // A torch op on every batch, so arrays derived from the views are made and freed too.
                    batch.images().toType(ai.djl.ndarray.types.DataType.FLOAT32, false).sum().getFloat();
                    samples += batch.size();
                }
                if (epoch == 10 && directAt10 < 0) {
                    directAt10 = directMemoryUsed();
                    arraysAt10 = manager.getManagedArrays().size();
                }
                if (epoch == EPOCHS - 10 && arraysLate < 0) {
                    arraysLate = manager.getManagedArrays().size();
                }
            }
            assertEquals(96L * EPOCHS, samples);
            assertEquals(EPOCHS, loader.stats().epochsCompleted());
            assertEquals(0, manager.getManagedArrays().size(), "no NDArray outlives its batch");
            // While the run goes on, the only live arrays are the two views of each batch made ahead
            // of the trainer (each on a leased slab): bounded by the pool, not growing with epochs.
            int bound = 2 * loader.pool().capacity();
            assertTrue(arraysAt10 <= bound && arraysLate <= bound,
                    "arrays at epoch 10: " + arraysAt10 + ", at epoch " + (EPOCHS - 10) + ": " + arraysLate + ", bound " + bound);
            assertEquals(loader.pool().capacity(), loader.pool().freeCount(), "every slab back in the pool");
            long directAtEnd = directMemoryUsed();
            assertTrue(directAtEnd - directAt10 < (1 << 20),
                    "direct memory at epoch 10: " + directAt10 + " bytes, at the end: " + directAtEnd);
            System.out.printf("soak: %d epochs, direct memory at epoch 10 = %d bytes, at the end = %d bytes, "
                    + "pool %d slabs of %d bytes%n", EPOCHS, directAt10, directAtEnd, loader.pool().capacity(),
                    loader.pool().layout().slabBytes());
        }
    }

    private static long directMemoryUsed() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        throw new IllegalStateException("no direct buffer pool bean");
    }
}
