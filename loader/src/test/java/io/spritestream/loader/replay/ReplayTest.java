package io.spritestream.loader.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.ingest.SourceResolver;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.TestPng;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Order, resume, sharding and time travel, end to end on a real broker. */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayTest {

    private static final int COUNT = 600;
    private static final String DATASET = "replay-test";

    private KafkaSettings kafka;
    private String bootstrap;
    private NDManager manager;
    private Set<String> allKeys;

    @BeforeAll
    void produce(EmbeddedKafka broker) throws Exception {
        bootstrap = broker.bootstrapServers();
        kafka = KafkaSettings.of(bootstrap);
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        Datasets.synthetic(kafka, DATASET, COUNT, 4, 16, 3);
        allKeys = Datasets.syntheticByKey(COUNT, 4, 16).keySet();
    }

    @AfterAll
    void close() {
        manager.close();
    }

    private static OrderSpec seed(long seed) {
        return new OrderSpec(seed, true, 32, 64, Remainder.DROP);
    }

    private static LoaderConfig base() {
        return LoaderConfig.dataset(DatasetRef.parse(DATASET)).batchSize(16).pixels(new PixelSpec(16, 16, 4, Fit.PAD));
    }

    /** The keys one run delivers, in order; every batch closed at once. */
    private List<String> keys(LoaderConfig config) throws Exception {
        List<String> keys = new ArrayList<>();
        try (SpriteLoader loader = SpriteLoader.open(config, kafka, manager)) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    for (int i = 0; i < batch.size(); i++) {
                        keys.add(batch.key(i));
                    }
                }
            }
        }
        return keys;
    }

    @Test
    void theSameSeedGivesTheSameOrderWithOneOrFourDecodeThreads() throws Exception {
        List<String> one = keys(base().order(seed(42)).threads(1));
        List<String> four = keys(base().order(seed(42)).threads(4));
        assertEquals(one, four);
        assertEquals(allKeys, new HashSet<>(one));
        assertNotEquals(keys(base().order(OrderSpec.inOffsetOrder())), one, "shuffled, not offset order");
    }

    @Test
    void anotherSeedGivesAnotherOrderOfTheSameRecords() throws Exception {
        List<String> a = keys(base().order(seed(1)));
        List<String> b = keys(base().order(seed(2)));
        assertNotEquals(a, b);
        assertEquals(new HashSet<>(a), new HashSet<>(b));
    }

    @Test
    void eachEpochDeliversEveryRecordOnceInItsOwnOrder() throws Exception {
        List<String> twoEpochs = keys(base().order(seed(5)).epochs(2));
        List<String> first = twoEpochs.subList(0, COUNT);
        List<String> second = twoEpochs.subList(COUNT, 2 * COUNT);
        assertEquals(COUNT, new HashSet<>(first).size());
        assertEquals(allKeys, new HashSet<>(first));
        assertEquals(allKeys, new HashSet<>(second));
        assertNotEquals(first, second);
    }

    @Test
    void aReadWindowOfOneBlockStillReadsEveryPartition() throws Exception {
        // Partitions without a block in the window must still have a position, or Kafka fails the poll.
        List<String> keys = keys(base().order(new OrderSpec(8, true, 300, 1, Remainder.DROP)).readAheadRecords(1));
        assertEquals(COUNT, keys.size());
        assertEquals(allKeys, new HashSet<>(keys));
    }

    @Test
    void theBatchSizeDoesNotChangeTheOrder() throws Exception {
        assertEquals(keys(base().order(seed(6)).batchSize(16)), keys(base().order(seed(6)).batchSize(50)));
    }

    @Test
    void resumingAfterMaxBatchesContinuesExactlyWhereTheRunStopped(@TempDir Path dir) throws Exception {
        List<String> uninterrupted = keys(base().order(seed(9)).epochs(2));
        Path state = dir.resolve("state.json");

        List<String> before = keys(base().order(seed(9)).epochs(2).maxBatches(45).saveState(state));
        LoaderState saved = LoaderState.read(state);
        assertEquals(1, saved.epoch(), "45 batches of 16 run into the second epoch (38 batches per epoch)");
        List<String> after = keys(LoaderConfig.resume(Resume.forRank(state, 1, 0))
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD)).saveState(state));

        List<String> joined = new ArrayList<>(before);
        joined.addAll(after);
        assertEquals(uninterrupted, joined);
        assertTrue(LoaderState.read(state).finished());
        assertEquals(List.of(), keys(LoaderConfig.resume(LoaderState.read(state)).pixels(new PixelSpec(16, 16, 4, Fit.PAD))),
                "a finished run has nothing left");
    }

    @Test
    void resumingAfterTheLoaderProcessIsKilledRepeatsAndLosesNothing(@TempDir Path dir) throws Exception {
        List<String> uninterrupted = keys(base().order(new OrderSpec(77, true, 32, 64, Remainder.DROP)));
        Path state = dir.resolve("state.json");
        Path log = dir.resolve("delivered.txt");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), KillableRun.class.getName(),
                bootstrap, DATASET, "77", state.toString(), log.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("child.out").toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!(Files.exists(state) && LoaderState.read(state).batchesDelivered() >= 5)) {
                assertTrue(child.isAlive(), () -> "the loader process ended early: " + read(dir.resolve("child.out")));
                assertTrue(System.nanoTime() < deadline, "the loader process delivered 5 batches within 60 s");
                Thread.onSpinWait();
            }
        } finally {
            child.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook, no chance to tidy up
        }

        LoaderState saved = LoaderState.read(state);
        int position = (int) saved.position();
        assertTrue(position < COUNT, "killed mid-epoch, at " + position);
        List<String> logged = Files.readAllLines(log);
        assertEquals(uninterrupted.subList(0, logged.size()), logged, "the killed process delivered a prefix");
        assertTrue(logged.size() <= position && position - logged.size() <= 16,
                "the state counts what was handed out: at most the batch being logged is missing from the log");

        List<String> resumed = keys(LoaderConfig.resume(Resume.forRank(state, 1, 0)).pixels(new PixelSpec(16, 16, 4, Fit.PAD)));
        assertEquals(uninterrupted.subList(position, COUNT), resumed);
    }

    @Test
    void ranksGetDisjointCompleteAndEqualShares() throws Exception {
        List<List<String>> shares = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            shares.add(keys(base().order(seed(3)).shard(r, 3)));
        }
        Set<String> union = new HashSet<>();
        for (List<String> share : shares) {
            assertEquals(COUNT / 3, share.size(), "equal shares");
            union.addAll(share);
        }
        assertEquals(allKeys, union, "the union is the whole epoch, each record once");
    }

    @Test
    void withARemainderDropLeavesItOutAndPadRepeats() throws Exception {
        List<String> dropped = new ArrayList<>();
        List<String> padded = new ArrayList<>();
        for (int r = 0; r < 7; r++) {
            dropped.addAll(keys(base().order(seed(3)).shard(r, 7)));
            padded.addAll(keys(base().order(new OrderSpec(3, true, 32, 64, Remainder.PAD)).shard(r, 7)));
        }
        assertEquals(COUNT - COUNT % 7, dropped.size());
        assertEquals(dropped.size(), new HashSet<>(dropped).size(), "no record twice");
        assertEquals(COUNT + 7 - COUNT % 7, padded.size());
        assertEquals(allKeys, new HashSet<>(padded), "nothing left out");
    }

    @Test
    void anElasticResumeFromTwoToThreeRanksDeliversTheRestExactlyOnce(@TempDir Path dir) throws Exception {
        Path pattern = dir.resolve("state-{rank}.json");
        List<String> seen = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            seen.addAll(keys(base().order(seed(12)).shard(r, 2).maxBatches(3).saveState(pattern)));
        }
        assertEquals(2 * 3 * 16, seen.size());
        for (int r = 0; r < 3; r++) {
            LoaderState state = Resume.forRank(pattern, 3, r);
            assertEquals(List.of(new Split(2, new long[] {48, 48})), state.splits());
            seen.addAll(keys(LoaderConfig.resume(state).pixels(new PixelSpec(16, 16, 4, Fit.PAD))));
        }
        assertEquals(COUNT, seen.size(), "(600 - 96) divides by 3: nothing left out");
        assertEquals(allKeys, new HashSet<>(seen), "each record exactly once");
    }

    @Test
    void aTimeWindowSelectsTheRecordsWrittenInIt() throws Exception {
        String topic = "sprites.timed";
        Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
        List<Datasets.Raw> none = List.of();
        Datasets.writeTopic(kafka, topic, none);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("timed"),
                new StringSerializer(), new ByteArraySerializer())) {
            byte[] png = TestPng.random(TestPng.Kind.RGBA, 16, 16, 8, false, 1).encode();
            for (int i = 0; i < 10; i++) {
                producer.send(new ProducerRecord<>(topic, 0, t0.plusSeconds(60L * i).toEpochMilli(), "t" + i, png));
            }
            producer.flush();
        }
        var window = new SourceResolver(kafka).window(topic, t0.plusSeconds(60 * 4), t0.plusSeconds(60 * 8 - 1), Map.of());
        assertEquals(List.of(new OffsetRange(0, 4, 8)), window.ranges());

        List<String> keys = keys(LoaderConfig.ranges(topic, window.ranges()).batchSize(16).pixels(new PixelSpec(16, 16, 4, Fit.PAD)));
        assertEquals(List.of("t4", "t5", "t6", "t7"), keys);

        var fromOffsets = new SourceResolver(kafka).window(topic, null, null, Map.of(0, 7L));
        assertEquals(List.of(new OffsetRange(0, 7, 10)), fromOffsets.ranges());
    }

    @Test
    void followPicksUpRecordsProducedAfterItStartedAndResumesFromCommittedOffsets() {
        assertTimeoutPreemptively(Duration.ofSeconds(90), () -> {
            String topic = "sprites.live";
            byte[] png = TestPng.random(TestPng.Kind.RGBA, 16, 16, 8, false, 2).encode();
            Datasets.writeTopic(kafka, topic, rawRecords("a", 20, png));
            LoaderConfig config = LoaderConfig.topic(topic).batchSize(8).pixels(new PixelSpec(16, 16, 4, Fit.PAD))
                    .order(new OrderSpec(1, true, 32, 4, Remainder.DROP)).follow("live-test");
            List<String> seen = new ArrayList<>();
            try (SpriteLoader loader = SpriteLoader.open(config, kafka, manager)) {
                takeUntil(loader, seen, 20);
                append(topic, "b", 13, png);
                takeUntil(loader, seen, 33);
            }
            assertEquals(33, new HashSet<>(seen).size(), "each record once: " + seen);
            assertTrue(seen.containsAll(List.of("a0", "a19", "b0", "b12")));

            append(topic, "c", 5, png);
            List<String> again = new ArrayList<>();
            try (SpriteLoader loader = SpriteLoader.open(config, kafka, manager)) {
                takeUntil(loader, again, 5);
            }
            assertEquals(Set.of("c0", "c1", "c2", "c3", "c4"), new HashSet<>(again),
                    "the group resumes after what it committed: closed batches are not delivered again");
        });
    }

    private static void takeUntil(SpriteLoader loader, List<String> seen, int count) throws InterruptedException {
        while (seen.size() < count) {
            try (SpriteBatch batch = loader.next()) {
                for (int i = 0; i < batch.size(); i++) {
                    seen.add(batch.key(i));
                }
            }
        }
    }

    private static List<Datasets.Raw> rawRecords(String prefix, int n, byte[] png) {
        List<Datasets.Raw> records = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            records.add(new Datasets.Raw(prefix + i, "x", png));
        }
        return records;
    }

    private void append(String topic, String prefix, int n, byte[] png) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("appender"),
                new StringSerializer(), new ByteArraySerializer())) {
            for (Datasets.Raw r : rawRecords(prefix, n, png)) {
                producer.send(new ProducerRecord<>(topic, r.key(), r.value()));
            }
            producer.flush();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "(no output)";
        }
    }
}
