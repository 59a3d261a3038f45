package io.spritestream.loader.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.cli.CliRun;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.cli.LoaderMain;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.ingest.DeadLetterWriter;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.Datasets.Labelled;
import io.spritestream.loader.testing.TestPng;
import io.spritestream.loader.testing.TestPng.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dataset version (classes {@code a, b}) holding, besides its good records, one record without a
 * label and one labelled with a class the version does not list, as another client may write them:
 * training goes on without them, counts them, and batches and resumes stay exact.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RecordsOutsideTheClassListTest {

    private static final String DATASET = "outside-class-list";
    private static final int RECORDS = 40;
    private static final int UNLABELLED_AT = 5;
    private static final int UNKNOWN_AT = 17;
    private static final int GOOD = RECORDS - 2;
    private static final int BATCH = 8;
    private static final PixelSpec PIXELS = new PixelSpec(12, 12, 4, Fit.PAD);

    private String bootstrap;
    private KafkaSettings kafka;
    private final List<String> goodKeys = new ArrayList<>();

    @BeforeAll
    void writeTheVersion(EmbeddedKafka broker) {
        bootstrap = broker.bootstrapServers();
        kafka = KafkaSettings.of(bootstrap);
        writeVersion(DATASET);
        for (int i = 0; i < RECORDS; i++) {
            if (i != UNLABELLED_AT && i != UNKNOWN_AT) {
                goodKeys.add("sprite-" + i);
            }
        }
    }

    /** Version 1 of {@code dataset}: classes a and b; record 5 has no label, record 17 is a zebra. */
    private void writeVersion(String dataset) {
        String topic = "sprites." + dataset;
        List<Labelled> records = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            String label = i == UNLABELLED_AT ? null : i == UNKNOWN_AT ? "zebra" : i % 2 == 0 ? "a" : "b";
            records.add(new Labelled("sprite-" + i, label == null ? null : label.getBytes(StandardCharsets.UTF_8),
                    png(i)));
        }
        Datasets.writeLabelled(kafka, topic, records);
        DatasetCatalog catalog = new DatasetCatalog(kafka);
        try (Admin admin = Admin.create(kafka.admin("test-admin"))) {
            catalog.ensureTopic(admin);
        }
        catalog.publish(new DatasetManifest(dataset, 1, topic, Map.of("0", new long[] {0, RECORDS}), RECORDS,
                List.of("a", "b"), Instant.now().toString()));
    }

    private static byte[] png(int i) {
        return TestPng.random(Kind.RGBA, 12, 12, 8, false, i).encode();
    }

    @Test
    void trainSkipsAnUnlabelledRecordAndOneOfAClassNotInTheVersionCountingThemAndGoesOn(@TempDir Path dir)
            throws Exception {
        Path report = dir.resolve("train.json");

        CliRun r = CliRun.run(new LoaderMain(), "train", "--bootstrap", bootstrap, "--dataset", DATASET, "--size", "12",
                "--batch", String.valueOf(BATCH), "--epochs", "2", "--validation-fraction", "0", "--seed", "3",
                "--quiet", "--report-json", report.toString());

        assertEquals(0, r.exit(), r.toString());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(2, json.get("epochs").asInt(), json.toString());
        assertEquals(2 * GOOD, json.get("train_samples").asLong(), "every good record once per epoch, no other");
        for (JsonNode epoch : json.get("history")) {
            assertEquals(GOOD, epoch.get("train_samples").asLong(), epoch.toString());
        }
        assertEquals(4, json.get("dead_lettered").asLong(), "two a pass, two passes: " + json);
        assertEquals(2, json.get("dead_letter_reasons").get("unlabelled").asLong(), json.toString());
        assertEquals(2, json.get("dead_letter_reasons").get("unknown_label").asLong(), json.toString());
        List<String> said = r.out().lines().filter(l -> l.contains("unlabelled")).toList();
        assertEquals(1, said.size(), r.out());
        assertTrue(said.get(0).contains("4 records") && said.get(0).contains("unknown_label 2")
                && said.get(0).contains("unlabelled 2") && said.get(0).contains("sprites." + DATASET + ".dlq"),
                said.get(0));
    }

    @Test
    void batchesHoldOnlyClassesOfTheVersionStayFullAndAResumeGivesExactlyTheRest() throws Exception {
        LoaderConfig shuffled = LoaderConfig.dataset(DatasetRef.parse(DATASET)).batchSize(BATCH).pixels(PIXELS)
                .threads(2).order(OrderSpec.shuffled(11));
        List<String> uninterrupted;
        List<String> before = new ArrayList<>();
        List<String> after;
        LoaderState position;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            try (SpriteDataset whole = SpriteDataset.builder(shuffled, kafka).build()) {
                whole.prepare();
                assertEquals(List.of("a", "b"), whole.classes());
                uninterrupted = pass(whole.getData(manager).iterator(), Integer.MAX_VALUE, new ArrayList<>());
                assertEquals(List.of("a", "b"), whole.classes(), "no class was added");
            }
            try (SpriteDataset first = SpriteDataset.builder(shuffled, kafka).build()) {
                pass(first.getData(manager).iterator(), 2, before);
                position = first.positionAfterTaken();
            }
            try (SpriteDataset resumed = SpriteDataset.builder(LoaderConfig.resume(position).pixels(PIXELS).threads(2),
                    kafka).build()) {
                after = pass(resumed.getData(manager).iterator(), Integer.MAX_VALUE, new ArrayList<>());
            }
        }

        assertEquals(GOOD, uninterrupted.size());
        assertEquals(new HashSet<>(goodKeys), new HashSet<>(uninterrupted), "each good record once, no other");
        List<String> both = new ArrayList<>(before);
        both.addAll(after);
        assertEquals(uninterrupted, both, "the resumed run gives exactly what the uninterrupted one gave next");
    }

    @Test
    void aRecordOutsideTheListThatTheCacheHoldsIsADeadLetterWithItsOriginalValue(@TempDir Path cache) throws Exception {
        String dataset = DATASET + "-cached";
        writeVersion(dataset);
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse(dataset)).batchSize(BATCH).pixels(PIXELS).threads(2)
                .cache(cache);
        List<String> keys;
        long cacheHits;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            // load keeps no fixed list: the two records are samples there (ids -1 and 2), and the cache takes them.
            try (SpriteLoader load = SpriteLoader.open(config, kafka, manager)) {
                for (SpriteBatch b = load.next(); b != null; b = load.next()) {
                    b.close();
                }
                assertEquals(RECORDS, load.stats().samplesDelivered());
                assertEquals(List.of("a", "b", "zebra"), load.classes());
            }
            try (SpriteDataset train = SpriteDataset.builder(config, kafka).build()) {
                keys = pass(train.getData(manager).iterator(), Integer.MAX_VALUE, new ArrayList<>());
                cacheHits = train.loader().stats().cacheHits();
            }
        }

        assertEquals(GOOD, keys.size());
        assertTrue(cacheHits >= GOOD, "the good records came from the cache (and more, read ahead): " + cacheHits);
        Map<String, ConsumerRecord<String, byte[]>> letters = new java.util.HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer("test-dlq-reader"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("sprites." + dataset + ".dlq", 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (letters.size() < 2 && System.nanoTime() < deadline) {
                consumer.poll(java.time.Duration.ofMillis(200)).forEach(r -> letters.put(r.key(), r));
            }
        }
        assertEquals(java.util.Set.of("sprite-" + UNLABELLED_AT, "sprite-" + UNKNOWN_AT), letters.keySet());
        assertArrayEquals(png(UNLABELLED_AT), letters.get("sprite-" + UNLABELLED_AT).value());
        assertArrayEquals(png(UNKNOWN_AT), letters.get("sprite-" + UNKNOWN_AT).value());
        assertEquals("unknown_label", new String(letters.get("sprite-" + UNKNOWN_AT).headers()
                .lastHeader(DeadLetterWriter.REASON).value(), StandardCharsets.UTF_8));
    }

    /**
     * Takes up to {@code batches} batches, adding their keys to {@code keys}; every batch but the last
     * is full, and every label is an id of the version's two classes.
     */
    private static List<String> pass(Iterator<Batch> data, int batches, List<String> keys) {
        List<Integer> sizes = new ArrayList<>();
        for (int taken = 0; taken < batches && data.hasNext(); taken++) {
            try (StreamBatch batch = (StreamBatch) data.next()) {
                long[] labels = batch.getLabels().singletonOrThrow().toLongArray();
                for (int i = 0; i < batch.getSize(); i++) {
                    assertTrue(labels[i] == 0 || labels[i] == 1, "row " + i + " of " + batch.sprites().key(i)
                            + " has label id " + labels[i]);
                    keys.add(batch.sprites().key(i));
                }
                sizes.add(batch.getSize());
            }
        }
        for (int i = 0; i < sizes.size() - 1; i++) {
            assertEquals(BATCH, sizes.get(i), "batch " + i + " of " + sizes);
        }
        return keys;
    }
}
