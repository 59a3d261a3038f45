package io.spritestream.loader.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.PoolView;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.testing.Datasets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** EasyTrain on the stream: SpriteNet learns the synthetic sprites, every slab comes back, the model saves. */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class SpriteTrainerTest {

    private static final int COUNT = 1600;
    private static final int CLASSES = 8;
    private static final int SIZE = 16;
    private static final int EPOCHS = 3;
    private static final PixelSpec PIXELS = new PixelSpec(SIZE, SIZE, 4, Fit.PAD);

    private KafkaSettings kafka;
    private TrainingReport report;
    private PoolView trainPool;
    private PoolView validationPool;
    private List<String> classes;
    private float[] predictionsOfTrained;
    private NDArray probe;
    private NDManager manager;
    private Path modelDir;

    @BeforeAll
    void trainOnce(EmbeddedKafka broker, @TempDir Path dir) throws Exception {
        kafka = KafkaSettings.of(broker.bootstrapServers());
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        Datasets.synthetic(kafka, "trainer-test", COUNT, CLASSES, SIZE, 2);
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse("trainer-test")).batchSize(32).pixels(PIXELS)
                .threads(2).leakDetection(LeakDetection.PARANOID);
        modelDir = dir.resolve("model");
        try (SpriteDataset.Split data = SpriteDataset.split(config, kafka, 0.2)) {
            data.train().prepare();
            classes = data.train().classes();
            SpriteTrainer.seed(7);
            try (SpriteTrainer trainer = new SpriteTrainer(classes.size(), PIXELS, 32, Device.cpu(), 3e-3f)) {
                report = trainer.fit(data.train(), data.validation(), EPOCHS, null);
                trainer.save(modelDir, classes, PIXELS, PixelNormalization.scaleOnly(), report);
                Batch batch = data.validation().getData(manager).iterator().next();
                try (batch) {
                    probe = batch.getData().singletonOrThrow().duplicate();
                    probe.attach(manager);
                }
                predictionsOfTrained = forward(trainer.model(), probe);
            }
            trainPool = data.train().loader().pool();
            validationPool = data.validation().loader().pool();
        }
    }

    private float[] forward(Model model, NDArray input) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray x = input.duplicate();
            x.attach(scope);
            NDList out = model.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false);
            return out.singletonOrThrow().toFloatArray();
        }
    }

    @Test
    void easyTrainOnTheStreamReachesValidationAccuracyWellAboveChance() {
        double chance = 1.0 / CLASSES;
        assertTrue(report.validationAccuracy() > 0.6, "validation accuracy " + report.validationAccuracy()
                + " (chance " + chance + "): " + report.history());
        assertTrue(report.trainAccuracy() > 0.6, "train accuracy " + report.trainAccuracy());
    }

    @Test
    void everySlabIsBackInThePoolAfterFit() {
        // Closing the datasets closed their loaders, whose pools fail, naming the batch, if one is leased.
        assertEquals(trainPool.capacity(), trainPool.freeCount(), trainPool.outstandingOwners().toString());
        assertEquals(validationPool.capacity(), validationPool.freeCount(), validationPool.outstandingOwners().toString());
    }

    @Test
    void theReportHasEveryEpochWithTheSameSplitEachTime() {
        assertEquals(EPOCHS, report.epochs());
        assertEquals(EPOCHS, report.history().size());
        EpochResult first = report.history().get(0);
        for (EpochResult epoch : report.history()) {
            assertEquals(first.trainSamples(), epoch.trainSamples(), "epoch " + epoch.epoch());
            assertEquals(first.validationSamples(), epoch.validationSamples(), "epoch " + epoch.epoch());
            assertEquals(COUNT, epoch.trainSamples() + epoch.validationSamples(), "epoch " + epoch.epoch());
            assertTrue(epoch.trainerWaitRatio() >= 0 && epoch.trainerWaitRatio() <= 1, epoch.toString());
            assertTrue(epoch.samplesPerSecond() > 0, epoch.toString());
        }
        assertEquals(EPOCHS * first.trainSamples(), report.trainSamples());
        assertEquals("trainer-test@1", report.dataset());
        assertEquals("cpu", report.device());
        assertEquals(report.history().get(EPOCHS - 1).validationAccuracy(), report.validationAccuracy());
    }

    @Test
    void theSavedModelLoadsBackAndPredictsTheSame() throws Exception {
        assertTrue(Files.exists(modelDir.resolve("spritenet-0003.params")));
        assertEquals(classes, Files.readAllLines(modelDir.resolve("synset.txt")));
        assertTrue(Files.readString(modelDir.resolve("spritestream-input.json")).contains("\"channels\" : 4"));

        try (Model loaded = Model.newInstance(SpriteTrainer.MODEL_NAME, Device.cpu(), "PyTorch")) {
            loaded.setBlock(SpriteNet.build(classes.size()));
            loaded.load(modelDir, SpriteTrainer.MODEL_NAME);
            assertNotNull(predictionsOfTrained);
            assertArrayEquals(predictionsOfTrained, forward(loaded, probe), 1e-5f);
        }
    }
}
