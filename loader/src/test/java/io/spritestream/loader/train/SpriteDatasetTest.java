package io.spritestream.loader.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.PoolView;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.producer.source.Sprite;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The DJL Dataset over the stream, on a real broker with real PNGs, OpenCV and the PyTorch engine. */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SpriteDatasetTest {

    private static final int COUNT = 300;
    private static final int SIZE = 16;
    private static final int BATCH = 32;

    private KafkaSettings kafka;
    private NDManager trainerManager;
    private Map<String, Sprite> sprites;

    @BeforeAll
    void produce(EmbeddedKafka broker) throws Exception {
        kafka = KafkaSettings.of(broker.bootstrapServers());
        trainerManager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        Datasets.synthetic(kafka, "dataset-test", COUNT, 4, SIZE, 3);
        sprites = Datasets.syntheticByKey(COUNT, 4, SIZE);
    }

    @AfterAll
    void close() {
        trainerManager.close();
    }

    private LoaderConfig config() {
        return LoaderConfig.dataset(DatasetRef.parse("dataset-test")).batchSize(BATCH)
                .pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD)).threads(2).leakDetection(LeakDetection.PARANOID);
    }

    /** The keys of one pass, each batch closed at once. */
    private List<String> pass(SpriteDataset dataset) {
        List<String> keys = new ArrayList<>();
        for (Batch b : dataset.getData(trainerManager)) {
            try (StreamBatch batch = (StreamBatch) b) {
                for (int i = 0; i < batch.getSize(); i++) {
                    keys.add(batch.sprites().key(i));
                }
            }
        }
        return keys;
    }

    private static void assertAllSlabsFree(SpriteDataset dataset) {
        PoolView pool = dataset.loader().pool();
        assertEquals(pool.capacity(), pool.freeCount(), "every slab is back in the pool: " + pool.outstandingOwners());
    }

    @Test
    void eachPassIsOneEpochWithEverySampleOnce() {
        SpriteDataset dataset = SpriteDataset.builder(config(), kafka).build();
        try (dataset) {
            for (int epoch = 0; epoch < 3; epoch++) {
                List<String> keys = pass(dataset);
                assertEquals(COUNT, keys.size(), "pass " + epoch);
                assertEquals(sprites.keySet(), new HashSet<>(keys), "pass " + epoch);
                assertEquals(epoch, dataset.lastPass().epoch());
            }
        }
        assertAllSlabsFree(dataset);
    }

    @Test
    void theSplitSidesAreDisjointCoverTheDatasetAndAreTheSameEveryPass() {
        try (SpriteDataset.Split split = SpriteDataset.split(config(), kafka, 0.25)) {
            List<String> train = pass(split.train());
            List<String> validation = pass(split.validation());

            Set<String> trainKeys = new HashSet<>(train);
            Set<String> validationKeys = new HashSet<>(validation);
            assertEquals(train.size(), trainKeys.size(), "each training sample once");
            assertEquals(validation.size(), validationKeys.size(), "each validation sample once");
            assertTrue(trainKeys.stream().noneMatch(validationKeys::contains), "disjoint");
            Set<String> union = new HashSet<>(trainKeys);
            union.addAll(validationKeys);
            assertEquals(sprites.keySet(), union, "together the whole dataset");
            for (String key : validationKeys) {
                assertTrue(KeySplit.validation(0.25).accepts(ByteBuffer.wrap(key.getBytes(StandardCharsets.UTF_8))), key);
            }
            assertTrue(validation.size() > COUNT / 8 && validation.size() < COUNT / 2, "about a quarter: " + validation.size());

            assertEquals(trainKeys, new HashSet<>(pass(split.train())), "the same training set in the next epoch");
            assertEquals(validationKeys, new HashSet<>(pass(split.validation())), "the same validation set");
        }
    }

    @Test
    void batchesAreNormalisedInputOnTheTrainersDeviceComputedFromTheSlabBytes() {
        float[] mean = {0.5f, 0.4f, 0.3f, 0.2f};
        float[] std = {0.25f, 0.2f, 0.5f, 0.125f};
        try (SpriteDataset dataset = SpriteDataset.builder(config(), kafka)
                .normalization(PixelNormalization.meanStd(mean, std)).build()) {
            Iterator<Batch> pass = dataset.getData(trainerManager).iterator();
            try (StreamBatch batch = (StreamBatch) pass.next()) {
                NDArray input = batch.getData().singletonOrThrow();
                NDArray labels = batch.getLabels().singletonOrThrow();
                assertEquals(new Shape(BATCH, 4, SIZE, SIZE), input.getShape());
                assertEquals(DataType.FLOAT32, input.getDataType());
                assertEquals(Device.cpu(), input.getDevice());
                assertEquals(DataType.INT64, labels.getDataType());

                ByteBuffer raw = batch.sprites().pixelBytes();
                float[] actual = input.toFloatArray();
                for (int b = 0; b < BATCH; b++) {
                    for (int c = 0; c < 4; c++) {
                        for (int y = 0; y < SIZE; y++) {
                            for (int x = 0; x < SIZE; x++) {
                                float v = (raw.get(((b * SIZE + y) * SIZE + x) * 4 + c) & 0xFF) / 255f;
                                float expected = (v - mean[c]) / std[c];
                                assertEquals(expected, actual[((b * 4 + c) * SIZE + y) * SIZE + x], 0f,
                                        "sample " + b + " channel " + c + " at (" + x + "," + y + ")");
                            }
                        }
                    }
                }
                long[] expectedLabels = new long[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    expectedLabels[i] = batch.sprites().label(i);
                    assertEquals(sprites.get(batch.sprites().key(i)).label(),
                            batch.sprites().classes().get(batch.sprites().label(i)));
                }
                assertArrayEquals(expectedLabels, labels.toLongArray());
            }
        }
    }

    @Test
    void closingTheDjlBatchReturnsItsSlabToThePool() {
        SpriteDataset dataset = SpriteDataset.builder(config(), kafka).build();
        try (dataset) {
            Iterator<Batch> pass = dataset.getData(trainerManager).iterator();
            StreamBatch batch = (StreamBatch) pass.next();
            String owner = "batch 0 of epoch 0";
            assertTrue(leaseOwners(dataset).contains(owner), "held while open: " + leaseOwners(dataset));

            batch.close();

            assertFalse(leaseOwners(dataset).contains(owner), "returned on close: " + leaseOwners(dataset));
            assertTrue(batch.sprites().isClosed());
            assertThrows(IllegalStateException.class, () -> batch.sprites().images(), "its pixels are gone");
            batch.close(); // idempotent
        }
        assertAllSlabsFree(dataset);
    }

    private static List<String> leaseOwners(SpriteDataset dataset) {
        return dataset.loader().pool().outstandingOwners();
    }

    @Test
    void closingTheDatasetWithABatchStillOpenFailsAndNamesIt() {
        SpriteDataset dataset = SpriteDataset.builder(config(), kafka).build();
        Batch kept = dataset.getData(trainerManager).iterator().next();

        IllegalStateException e = assertThrows(IllegalStateException.class, dataset::close);

        assertTrue(e.getMessage().contains("batch 0 of epoch 0"), e.getMessage());
        kept.close();
        assertAllSlabsFree(dataset);
    }

    @Test
    void abandoningAPassSkipsTheRestOfItsEpoch() {
        try (SpriteDataset dataset = SpriteDataset.builder(config(), kafka).build()) {
            Iterator<Batch> first = dataset.getData(trainerManager).iterator();
            first.next().close();
            first.next().close();

            List<String> second = new ArrayList<>();
            for (Batch b : dataset.getData(trainerManager)) {
                try (StreamBatch batch = (StreamBatch) b) {
                    assertEquals(1, batch.epoch(), "only the next epoch's batches");
                    for (int i = 0; i < batch.getSize(); i++) {
                        second.add(batch.sprites().key(i));
                    }
                }
            }
            assertEquals(COUNT, second.size());
            assertEquals(sprites.keySet(), new HashSet<>(second));
            assertFalse(first.hasNext(), "the abandoned pass is over");
        }
    }

    @Test
    void anEmptySideEndsEveryPassInsteadOfWaitingForever() {
        try (SpriteDataset empty = SpriteDataset.builder(config(), kafka).split(KeySplit.validation(0)).build()) {
            assertEquals(List.of(), pass(empty));
            assertEquals(List.of(), pass(empty));
            assertEquals(0, empty.lastPass().batches());
        }
    }

    @Test
    void passStatsCountTheBatchesSamplesAndWaitOfEachPass() {
        try (SpriteDataset dataset = SpriteDataset.builder(config(), kafka).build()) {
            pass(dataset);
            PassStats stats = dataset.lastPass();

            assertEquals((COUNT + BATCH - 1) / BATCH, stats.batches());
            assertEquals(COUNT, stats.samples());
            assertTrue(stats.waitNanos() > 0, "the first batch is always waited for");
            assertTrue(stats.waitNanos() <= stats.wallNanos(), stats.toString());
            assertTrue(stats.waitRatio() > 0 && stats.waitRatio() <= 1, stats.toString());
            assertEquals(COUNT, dataset.expectedPassSamples(), "exact once a pass is through");
        }
    }

    @Test
    void easyTrainFitRunsUnchangedOnTheSplitAndEverySlabComesBack() throws Exception {
        // The README's example, as it is written there.
        SpriteDataset train;
        SpriteDataset validation;
        try (SpriteDataset.Split data = SpriteDataset.split(config(), kafka, 0.2)) {
            train = data.train();
            validation = data.validation();
            data.train().prepare();
            Device device = DeviceChoice.AUTO.resolve();
            try (Model model = Model.newInstance("spritenet", device)) {
                model.setBlock(SpriteNet.build(data.train().classes().size()));
                DefaultTrainingConfig training = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                        .addEvaluator(new Accuracy()).optDevices(new Device[] {device})
                        .addTrainingListeners(TrainingListener.Defaults.basic());
                try (Trainer trainer = model.newTrainer(training)) {
                    trainer.initialize(new Shape(BATCH, 4, SIZE, SIZE));
                    EasyTrain.fit(trainer, 2, data.train(), data.validation());

                    assertEquals(2, trainer.getTrainingResult().getEpoch());
                    assertEquals(1, train.lastPass().epoch(), "two training passes");
                    assertEquals(1, validation.lastPass().epoch(), "two validation passes");
                    assertEquals(COUNT, train.lastPass().samples() + validation.lastPass().samples());
                }
            }
        }
        assertAllSlabsFree(train);
        assertAllSlabsFree(validation);
    }

    @Test
    void aSplitOverABareTopicIsRefusedBecauseLabelIdsWouldDiffer() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SpriteDataset.split(LoaderConfig.topic("sprites.dataset-test"), kafka, 0.1));
        assertTrue(e.getMessage().startsWith("validation-fraction: a split by key needs dataset"), e.getMessage());
        assertTrue(Cli.commandLineMessage(e).startsWith("--validation-fraction: a split by key needs --dataset"),
                Cli.commandLineMessage(e));
    }

    @Test
    void aStoppedPassResumedFromItsPositionGivesExactlyTheBatchesAnUninterruptedRunHasNext() {
        LoaderConfig shuffled = config().order(io.spritestream.loader.replay.OrderSpec.shuffled(17));
        List<String> uninterrupted = new ArrayList<>();
        try (SpriteDataset whole = SpriteDataset.builder(shuffled, kafka)
                .split(io.spritestream.loader.replay.KeySplit.train(0.25)).build()) {
            for (int epoch = 0; epoch < 3; epoch++) {
                uninterrupted.addAll(pass(whole));
            }
        }
        List<String> before = new ArrayList<>();
        io.spritestream.loader.replay.LoaderState position;
        try (SpriteDataset first = SpriteDataset.builder(shuffled, kafka)
                .split(io.spritestream.loader.replay.KeySplit.train(0.25)).build()) {
            before.addAll(pass(first));
            java.util.Iterator<Batch> second = first.getData(trainerManager).iterator();
            for (int i = 0; i < 3; i++) { // three training steps into epoch 2
                try (StreamBatch batch = (StreamBatch) second.next()) {
                    for (int r = 0; r < batch.getSize(); r++) {
                        before.add(batch.sprites().key(r));
                    }
                }
            }
            first.requestStop();
            TrainingStopped stopped = assertThrows(TrainingStopped.class, second::hasNext);
            assertEquals(1, stopped.epoch());
            assertEquals(3, stopped.batches());
            assertEquals(3, first.batchesTakenThisPass());
            position = first.positionAfterTaken();
        }
        List<String> after = new ArrayList<>();
        try (SpriteDataset resumed = SpriteDataset.builder(LoaderConfig.resume(position).batchSize(BATCH)
                        .pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD)).threads(3), kafka)
                .split(io.spritestream.loader.replay.KeySplit.train(0.25)).build()) {
            after.addAll(pass(resumed)); // the rest of epoch 2
            after.addAll(pass(resumed)); // epoch 3
        }

        List<String> both = new ArrayList<>(before);
        both.addAll(after);
        assertEquals(uninterrupted, both);
    }
}
