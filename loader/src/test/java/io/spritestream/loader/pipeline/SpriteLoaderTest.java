package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.catalog.DatasetNotFoundException;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.config.InvalidSettingException;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.producer.source.Sprite;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** The loader end to end on a real broker, with real PNGs, OpenCV and the DJL PyTorch engine. */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpriteLoaderTest {

    private static final int COUNT = 500;
    private static final int CLASSES = 5;
    private static final int SIZE = 16;

    private KafkaSettings kafka;
    private NDManager manager;
    private DatasetManifest manifest;
    private Map<String, Sprite> sprites;

    @BeforeAll
    void produce(EmbeddedKafka broker) throws Exception {
        kafka = KafkaSettings.of(broker.bootstrapServers());
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        manifest = Datasets.synthetic(kafka, "loader-test", COUNT, CLASSES, SIZE, 3);
        sprites = Datasets.syntheticByKey(COUNT, CLASSES, SIZE);
    }

    @AfterAll
    void close() {
        manager.close();
    }

    private LoaderConfig config() {
        return LoaderConfig.dataset(DatasetRef.parse("loader-test")).batchSize(32)
                .pixels(new io.spritestream.loader.decode.PixelSpec(SIZE, SIZE, 4, io.spritestream.loader.decode.Fit.PAD))
                .leakDetection(LeakDetection.PARANOID);
    }

    /** Everything one run delivers, batch by batch, each batch closed at once. */
    private record Delivered(List<List<String>> keysPerBatch, List<Integer> epochs, LoaderStats stats) {
        List<String> allKeys() {
            List<String> all = new ArrayList<>();
            keysPerBatch.forEach(all::addAll);
            return all;
        }
    }

    private Delivered run(LoaderConfig config, java.util.function.Consumer<SpriteBatch> check) throws Exception {
        List<List<String>> keys = new ArrayList<>();
        List<Integer> epochs = new ArrayList<>();
        LoaderStats stats;
        SpriteLoader loader = SpriteLoader.open(config, kafka, manager);
        try (loader) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    List<String> batchKeys = new ArrayList<>();
                    for (int i = 0; i < batch.size(); i++) {
                        batchKeys.add(batch.key(i));
                    }
                    keys.add(batchKeys);
                    epochs.add(batch.epoch());
                    check.accept(batch);
                }
            }
            assertNull(loader.next(), "stays finished");
            stats = loader.stats();
        }
        assertEquals(loader.pool().capacity(), loader.pool().freeCount(), "every slab is back in the pool");
        return new Delivered(keys, epochs, stats);
    }

    @Test
    void everyRecordOfTheVersionIsDeliveredExactlyOncePerEpochWithItsLabel() throws Exception {
        Delivered d = run(config().epochs(2).threads(2), batch -> {
            int[] labels = batch.labels().toIntArray();
            for (int i = 0; i < batch.size(); i++) {
                Sprite sprite = sprites.get(batch.key(i));
                assertEquals(sprite.label(), batch.classes().get(labels[i]), batch.key(i));
            }
        });

        List<String> all = d.allKeys();
        assertEquals(2 * COUNT, all.size());
        List<String> first = all.subList(0, COUNT);
        List<String> second = all.subList(COUNT, 2 * COUNT);
        assertEquals(sprites.keySet(), new HashSet<>(first), "epoch 1 is the whole version");
        assertEquals(COUNT, new HashSet<>(first).size(), "each record once in epoch 1");
        assertEquals(sprites.keySet(), new HashSet<>(second), "epoch 2 is the whole version");
        assertEquals(COUNT, new HashSet<>(second).size(), "each record once in epoch 2");
        assertEquals(2 * COUNT, d.stats().samplesDelivered());
        assertEquals(2, d.stats().epochsCompleted());
    }

    @Test
    void batchesAreFullExceptEachEpochsLastAndNeverSpanEpochs() throws Exception {
        Delivered d = run(config().epochs(2), batch -> { });

        int perEpoch = (COUNT + 31) / 32;
        assertEquals(2 * perEpoch, d.keysPerBatch().size());
        for (int b = 0; b < d.keysPerBatch().size(); b++) {
            int expected = (b % perEpoch == perEpoch - 1) ? COUNT % 32 : 32;
            assertEquals(expected, d.keysPerBatch().get(b).size(), "batch " + b);
            assertEquals(b / perEpoch, d.epochs().get(b), "batch " + b + " epoch");
        }
    }

    @Test
    void dropLastLeavesOutThePartialBatchAndCountsIt() throws Exception {
        Delivered d = run(config().dropLast(true), batch -> assertEquals(32, batch.size()));

        assertEquals(COUNT / 32 * 32, d.allKeys().size());
        assertEquals(COUNT % 32, d.stats().dropped());
        assertEquals(COUNT, d.stats().recordsAccounted());
    }

    @Test
    void maxBatchesStopsAfterThatManyBatches() throws Exception {
        Delivered d = run(config().epochs(3).maxBatches(5), batch -> { });

        assertEquals(5, d.keysPerBatch().size());
        assertEquals(5 * 32, d.stats().samplesDelivered());
    }

    @Test
    void aMillionEpochsSizeNoQueueByTheirNumber() throws Exception {
        try (SpriteLoader loader = SpriteLoader.open(config().epochs(1_000_000).slabs(4), kafka, manager)) {
            try (SpriteBatch first = loader.next()) {
                assertEquals(0, first.epoch());
            }
            assertEquals(4 + 2 * 4 + 2, loader.assemblyQueueCapacity());
        }
    }

    @Test
    void epochsWithNothingForThisRankEndOneByOneThroughTheBoundedQueue() throws Exception {
        // 1000 ranks over 500 records: this rank's share of every epoch is empty, so the reader hands
        // over 40 epoch ends and no slab, more than the queue holds: it waits for the assembler.
        SpriteLoader loader = SpriteLoader.open(config().epochs(40).slabs(2).shard(7, 1000), kafka, manager);
        try (loader) {
            assertTrue(loader.assemblyQueueCapacity() < 40, "capacity " + loader.assemblyQueueCapacity());
            assertNull(loader.next());
            assertEquals(40, loader.stats().epochsCompleted());
            assertEquals(0, loader.stats().batchesDelivered());
        }
    }

    @Test
    void aRunStartedAtALaterEpochDeliversThatEpochAsTheWholeRunDoes() throws Exception {
        Delivered whole = run(config().epochs(3).order(new io.spritestream.loader.replay.OrderSpec(9, true, 16, 64,
                io.spritestream.loader.replay.Remainder.DROP)), batch -> { });
        Delivered fromTwo = run(config().epochs(3).startEpoch(2).order(new io.spritestream.loader.replay.OrderSpec(9,
                true, 16, 64, io.spritestream.loader.replay.Remainder.DROP)), batch -> { });

        assertEquals(whole.allKeys().subList(2 * COUNT, 3 * COUNT), fromTwo.allKeys());
        assertTrue(fromTwo.epochs().stream().allMatch(e -> e == 2), "every batch is of epoch 2");
        assertEquals(1, fromTwo.stats().epochsCompleted());
        InvalidSettingException late = assertThrows(InvalidSettingException.class,
                () -> config().epochs(3).startEpoch(3).conclude());
        assertEquals("start-epoch: 3 (expected 0..2 for epochs 3)", late.getMessage());
    }

    @Test
    void decodedPixelsEqualTheProducedPngsAsRgba() throws Exception {
        run(config().maxBatches(2), batch -> {
            byte[] pixels = batch.images().toByteArray();
            for (int i = 0; i < batch.size(); i++) {
                BufferedImage image = read(sprites.get(batch.key(i)).bytes());
                for (int y = 0; y < SIZE; y++) {
                    for (int x = 0; x < SIZE; x++) {
                        int argb = image.getRGB(x, y);
                        int at = ((i * SIZE + y) * SIZE + x) * 4;
                        int[] expected = {argb >>> 16 & 0xFF, argb >>> 8 & 0xFF, argb & 0xFF, argb >>> 24};
                        int[] actual = {pixels[at] & 0xFF, pixels[at + 1] & 0xFF, pixels[at + 2] & 0xFF, pixels[at + 3] & 0xFF};
                        assertArrayEquals(expected, actual, batch.key(i) + " at (" + x + "," + y + ")");
                    }
                }
            }
        });
    }

    @Test
    void theSampleOrderIsTheSameWhateverTheNumberOfDecodeThreads() throws Exception {
        List<String> one = run(config().threads(1), batch -> { }).allKeys();
        List<String> four = run(config().threads(4), batch -> { }).allKeys();
        assertEquals(one, four);
    }

    @Test
    void provenanceNamesTheRecordEachRowCameFrom() throws Exception {
        Map<Integer, long[]> ranges = new HashMap<>();
        manifest.partitions().forEach((p, r) -> ranges.put(Integer.parseInt(p), r));
        Set<String> seen = new HashSet<>();
        run(config(), batch -> {
            for (int i = 0; i < batch.size(); i++) {
                long[] range = ranges.get(batch.partition(i));
                assertTrue(batch.offset(i) >= range[0] && batch.offset(i) < range[1], "offset inside the version");
                assertTrue(seen.add(batch.partition(i) + "/" + batch.offset(i)), "each (partition, offset) once");
            }
        });
        assertEquals(COUNT, seen.size());
    }

    @Test
    void aBareTopicIsReadFromItsBeginningToItsEndAtStart() throws Exception {
        Delivered d = run(LoaderConfig.topic(manifest.topic()).batchSize(64)
                .pixels(new io.spritestream.loader.decode.PixelSpec(SIZE, SIZE, 4, io.spritestream.loader.decode.Fit.PAD)),
                batch -> { });
        assertTrue(d.allKeys().containsAll(sprites.keySet()));
        assertEquals(manifest.rangeSize() + manifest.partitions().values().stream().mapToLong(r -> r[0]).sum(),
                d.allKeys().size());
    }

    @Test
    void anUnknownDatasetFailsNamingTheKnownOnes() {
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class,
                () -> SpriteLoader.open(LoaderConfig.dataset(DatasetRef.parse("no-such-set")), kafka, manager));
        assertTrue(e.getMessage().contains("loader-test@1"), e.getMessage());
    }

    @Test
    void anUnknownTopicFailsWithAOneLineMessage() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> SpriteLoader.open(LoaderConfig.topic("sprites.nope"), kafka, manager));
        assertTrue(e.getMessage().startsWith("topic 'sprites.nope' does not exist"), e.getMessage());
    }

    @Test
    void closingTheLoaderWithABatchStillOpenFailsAndNamesIt() throws Exception {
        SpriteLoader loader = SpriteLoader.open(config(), kafka, manager);
        SpriteBatch kept = loader.next();

        IllegalStateException e = assertThrows(IllegalStateException.class, loader::close);

        assertTrue(e.getMessage().contains("batch 0 of epoch 0"), e.getMessage());
        kept.close();
        assertEquals(loader.pool().capacity(), loader.pool().freeCount());
    }

    private static BufferedImage read(byte[] png) {
        try {
            return ImageIO.read(new ByteArrayInputStream(png));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
