package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.config.InvalidSettingException;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Remainder;
import io.spritestream.loader.testing.BatchDigest;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.train.SpriteDataset;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Augmentation end to end, on a real broker with real PNGs: batches are a function of the seed
 * alone (not of threads, a resume or the cache), every epoch draws anew, and validation is never
 * augmented.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AugmentRunsTest {

    private static final String DATASET = "augment-test";
    private static final int COUNT = 400;
    private static final int SIZE = 16;
    private static final int BATCH = 32;
    private static final AugmentSpec SPEC = AugmentSpec.parse(
            "crop:0.7@0.3,rot90:0.3,flip-h:0.5,flip-v:0.2,translate:3,hue:40@0.5,brightness:0.3@0.5,swap:0.2,cutout:4@0.3");

    private KafkaSettings kafka;
    private NDManager manager;

    @BeforeAll
    void produce(EmbeddedKafka broker) {
        kafka = KafkaSettings.of(broker.bootstrapServers());
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        Datasets.synthetic(kafka, DATASET, COUNT, 4, 24, 3);
    }

    @AfterAll
    void close() {
        manager.close();
    }

    private static LoaderConfig config(AugmentSpec spec) {
        return LoaderConfig.dataset(DatasetRef.parse(DATASET)).order(new OrderSpec(21, true, 32, 64, Remainder.DROP))
                .batchSize(BATCH).pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD)).threads(2).cache(null).augment(spec);
    }

    private List<String> digests(LoaderConfig config) throws InterruptedException {
        List<String> out = new ArrayList<>();
        try (SpriteLoader loader = SpriteLoader.open(config.conclude(), kafka, manager, LoaderListener.NONE)) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    out.add(BatchDigest.of(batch));
                }
            }
        }
        return out;
    }

    /** Each record's sample bytes, by key, per epoch. */
    private List<Map<String, ByteBuffer>> samplesByEpoch(LoaderConfig config) throws InterruptedException {
        List<Map<String, ByteBuffer>> epochs = new ArrayList<>();
        try (SpriteLoader loader = SpriteLoader.open(config.conclude(), kafka, manager, LoaderListener.NONE)) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    while (epochs.size() <= batch.epoch()) {
                        epochs.add(new HashMap<>());
                    }
                    ByteBuffer pixels = batch.pixelBytes();
                    int bytes = pixels.remaining() / batch.size();
                    for (int i = 0; i < batch.size(); i++) {
                        ByteBuffer copy = ByteBuffer.allocate(bytes);
                        copy.put(pixels.slice(i * bytes, bytes)).flip();
                        epochs.get(batch.epoch()).put(batch.key(i), copy);
                    }
                }
            }
        }
        return epochs;
    }

    @Test
    void theSameSeedGivesTheSameAugmentedBatchesWhateverTheThreadCount() throws Exception {
        List<String> two = digests(config(SPEC).epochs(2).threads(2));
        List<String> three = digests(config(SPEC).epochs(2).threads(3));
        List<String> one = digests(config(SPEC).epochs(2).threads(1));
        List<String> plain = digests(config(AugmentSpec.NONE).epochs(2));

        assertEquals(two, three);
        assertEquals(two, one);
        assertEquals(plain.size(), two.size());
        for (int i = 0; i < plain.size(); i++) {
            assertNotEquals(plain.get(i), two.get(i), "batch " + i + " was not augmented");
        }
    }

    @Test
    void everyEpochDrawsAnewAndAugmentsEachRecordOnlyAsItsDrawsSay() throws Exception {
        List<Map<String, ByteBuffer>> epochs = samplesByEpoch(config(AugmentSpec.parse("flip-h:0.5,translate:3")).epochs(2));

        int differ = 0;
        for (Map.Entry<String, ByteBuffer> e : epochs.get(0).entrySet()) {
            differ += e.getValue().equals(epochs.get(1).get(e.getKey())) ? 0 : 1;
        }
        // Each epoch shifts by one of 49 moves and flips half the time: almost every record differs.
        assertTrue(differ > 0.9 * epochs.get(0).size(), differ + " of " + epochs.get(0).size() + " records differ");
    }

    @Test
    void aResumedRunJoinsTheUninterruptedAugmentedOrderByteForByte(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        List<String> whole = digests(config(SPEC).epochs(2));
        List<String> first = digests(config(SPEC).epochs(2).maxBatches(7).saveState(state)); // mid-epoch 1
        LoaderState saved = LoaderState.read(state);
        assertEquals(SPEC.toString(), saved.augment(), "the state file records the augmentation");

        List<String> rest = digests(LoaderConfig.resume(saved).threads(3).pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD))
                .cache(null));

        List<String> both = new ArrayList<>(first);
        both.addAll(rest);
        assertEquals(whole, both);
        InvalidSettingException other = assertThrows(InvalidSettingException.class, () -> LoaderConfig.resume(saved)
                .pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD)).augment(AugmentSpec.parse("flip-v:1")).conclude());
        assertEquals("augment: flip-v:1 differs from the resumed state's (" + SPEC + "): a resumed run keeps its "
                + "augmentation", other.getMessage());
    }

    @Test
    void theCacheHoldsSamplesAsDecodedAndCachedEpochsAreAugmentedAfresh(@TempDir Path cache) throws Exception {
        List<String> augmented = digests(config(SPEC).epochs(3));
        List<String> plain = digests(config(AugmentSpec.NONE).epochs(3));

        assertEquals(augmented, digests(config(SPEC).epochs(3).cache(cache)), "filling the cache");
        assertEquals(augmented, digests(config(SPEC).epochs(3).cache(cache)), "from the warm cache");
        assertEquals(plain, digests(config(AugmentSpec.NONE).epochs(3).cache(cache)),
                "the cache's samples are the decoded ones, not augmented ones");
    }

    @Test
    void theValidationSideOfASplitIsNeverAugmented() throws Exception {
        try (SpriteDataset.Split split = SpriteDataset.split(config(SPEC), kafka, 0.25)) {
            split.train().prepare();
            split.validation().prepare();

            assertEquals(SPEC, split.train().loader().settings().augment());
            assertTrue(split.validation().loader().settings().augment().isNone());
        }
    }
}
