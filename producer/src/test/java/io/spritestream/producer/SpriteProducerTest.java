package io.spritestream.producer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.kafka.KafkaUnreachableException;
import io.spritestream.producer.source.DirectorySource;
import io.spritestream.producer.source.SkippedFile;
import io.spritestream.producer.source.Sprite;
import io.spritestream.producer.source.SyntheticSprites;
import io.spritestream.record.ContentTypes;
import io.spritestream.record.SpriteRecords;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedKafka.class)
class SpriteProducerTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final int PARTITIONS = 3;

    /** One produce of 300 sprites on the shared broker, inspected by several tests. */
    private static KafkaSettings settings;
    private static SyntheticSprites source;
    private static ProduceRequest request;
    private static ProduceResult result;
    private static final AtomicLong lastProgress = new AtomicLong();

    @BeforeAll
    static void produceOnce(EmbeddedKafka kafka) throws IOException {
        settings = KafkaSettings.of(kafka.bootstrapServers());
        source = new SyntheticSprites(300, 4, 16, 11);
        request = new ProduceRequest(unique("sp-once"), null, PARTITIONS, 0);
        result = new SpriteProducer(settings).produce(source, request, lastProgress::set);
    }

    @Test
    void theTopicIsCreatedWithTheRequestedPartitionsAndInfiniteRetention() throws Exception {
        try (Admin admin = Admin.create(settings.admin("test"))) {
            TopicDescription description = admin.describeTopics(List.of(request.topic()))
                    .allTopicNames().get().get(request.topic());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, request.topic());
            Config config = admin.describeConfigs(List.of(resource)).all().get().get(resource);

            assertEquals(SpriteRecords.topicFor(request.dataset()), request.topic());
            assertEquals(PARTITIONS, description.partitions().size());
            assertEquals("-1", config.get(TopicConfig.RETENTION_MS_CONFIG).value());
        }
    }

    @Test
    void everySpriteIsWrittenExactlyOnceWithItsBytesAndHeaders() throws IOException {
        Map<String, Sprite> expected = spritesByKey(source);
        List<ConsumerRecord<String, byte[]>> records = readWholeTopic(request.topic());

        Set<String> keys = new HashSet<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            assertTrue(keys.add(r.key()), "key written twice: " + r.key());
            Sprite sprite = expected.get(r.key());
            assertNotNull(sprite, "key not in the source: " + r.key());
            assertArrayEquals(sprite.bytes(), r.value(), "value of " + r.key());
            assertEquals(sprite.label(), header(r, SpriteRecords.LABEL), "label of " + r.key());
            assertEquals(sprite.contentType(), header(r, SpriteRecords.CONTENT_TYPE), "content-type of " + r.key());
            assertEquals(ContentTypes.PNG, sprite.contentType());
            assertEquals(request.dataset(), header(r, SpriteRecords.DATASET), "dataset of " + r.key());
        }
        assertEquals(expected.keySet(), keys);
        assertEquals(300, records.size());
        assertEquals(300, result.records());
        assertEquals(300, lastProgress.get(), "progress is told every acknowledged record");
    }

    @Test
    void suspectFilesAreSentAndTheResultNamesThemWithTheFilesSkipped(@org.junit.jupiter.api.io.TempDir Path dir)
            throws IOException {
        Path pets = dir.resolve("pets");
        for (String name : List.of("cats/c1.png", "dogs/d1.png", "dogs/cut.png")) {
            Files.createDirectories(pets.resolve(name).getParent());
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_ARGB), "png", pets.resolve(name).toFile());
        }
        byte[] whole = Files.readAllBytes(pets.resolve("dogs/cut.png"));
        Files.write(pets.resolve("dogs/cut.png"), Arrays.copyOf(whole, 40));
        Files.writeString(pets.resolve("cats/fake.png"), "not an image\n");
        Files.writeString(pets.resolve("cats/notes.txt"), "notes\n");

        ProduceResult produced = new SpriteProducer(settings).produce(new DirectorySource(pets),
                new ProduceRequest(unique("sp-suspect"), null, 1, 0), n -> { });

        assertEquals(Set.of("cats/c1.png", "cats/fake.png", "dogs/cut.png", "dogs/d1.png"),
                keysIn(readRanges(produced.manifest())));
        assertEquals(List.of(new SuspectRecord("cats/fake.png", "text, not a PNG"),
                new SuspectRecord("dogs/cut.png", "a PNG cut short: no IEND after 40 bytes")), produced.suspect());
        assertEquals(List.of(new SkippedFile("cats/notes.txt", SkippedFile.Reason.NOT_AN_IMAGE)), produced.skipped());
        assertTrue(result.suspect().isEmpty() && result.skipped().isEmpty(), "the synthetic sprites are all whole");
    }

    @Test
    void theManifestCoversExactlyTheProducedRecordsAndListsTheSourceClasses() throws Exception {
        DatasetManifest manifest = result.manifest();
        Map<String, long[]> topicRanges = new TreeMap<>();
        endOffsets(request.topic()).forEach((tp, end) ->
                topicRanges.put(String.valueOf(tp.partition()), new long[] {0, end}));

        assertEquals(request.dataset(), manifest.dataset());
        assertEquals(1, manifest.version());
        assertEquals(request.topic(), manifest.topic());
        assertEquals(source.classes(), manifest.classes());
        assertEquals(300, manifest.count());
        assertEquals(300, manifest.rangeSize());
        assertEquals(topicRanges.keySet(), manifest.partitions().keySet());
        topicRanges.forEach((p, range) ->
                assertArrayEquals(range, manifest.partitions().get(p), "range of partition " + p));
        assertEquals(spritesByKey(source).keySet(), keysIn(readRanges(manifest)));
        assertEquals(manifest, new DatasetCatalog(settings).resolve(DatasetRef.parse(request.dataset())),
                "the catalog holds the manifest the producer returned");
    }

    @Test
    void theSummaryLineMentionsTheRecordCount() {
        String summary = result.summary();

        assertTrue(summary.contains("300 records"), summary);
        assertTrue(summary.matches(".*\\(\\d+\\.\\d (kB|MB)\\).*"), "the size in a unit that shows it: " + summary);
        assertTrue(summary.contains(request.dataset() + "@1"), summary);
        assertFalse(summary.contains("\n"), summary);
    }

    @Test
    void twoRunsOfOneDatasetAtOnceGiveOneVersionHoldingExactlyTheRecordsOfTheRunThatMadeIt() throws Exception {
        String dataset = unique("sp-dup");
        SpriteProducer producer = new SpriteProducer(settings);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.ExecutorService two = java.util.concurrent.Executors.newFixedThreadPool(2);
        List<java.util.concurrent.Future<ProduceResult>> runs = new ArrayList<>();
        // Paced so that each run lasts seconds: started together, they overlap whoever joins first.
        for (int[] run : new int[][] {{600, 1}, {400, 2}}) {
            runs.add(two.submit(() -> {
                go.await();
                return producer.produce(new SyntheticSprites(run[0], 4, 16, run[1]),
                        new ProduceRequest(dataset, null, 4, 150), n -> { });
            }));
        }
        go.countDown();
        List<ProduceResult> made = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        for (var run : runs) {
            try {
                made.add(run.get(120, java.util.concurrent.TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                assertTrue(e.getCause() instanceof ProduceException, e.getCause().toString());
                refused.add(e.getCause().getMessage());
            }
        }
        two.shutdown();

        assertEquals(1, made.size(), "one run made a version; refused: " + refused);
        assertEquals(1, refused.size());
        assertTrue(refused.get(0).startsWith("another produce is writing dataset " + dataset + " (spritestream-producer-"),
                refused.get(0));
        List<DatasetManifest> versions = new DatasetCatalog(settings).list().stream()
                .filter(m -> m.dataset().equals(dataset)).toList();
        assertEquals(List.of(made.get(0).manifest()), versions, "one version, the one the run that made it returned");
        assertEquals(made.get(0).records(), versions.get(0).count());
        assertEquals(made.get(0).records(), readRanges(versions.get(0)).size(), "its ranges hold exactly its records");
    }

    @Test
    void producingTheSameDatasetAgainMakesVersionTwoCoveringOnlyTheNewRecords(EmbeddedKafka kafka)
            throws IOException {
        SpriteProducer producer = new SpriteProducer(KafkaSettings.of(kafka.bootstrapServers()));
        ProduceRequest twice = new ProduceRequest(unique("sp-twice"), null, 2, 0);
        SyntheticSprites first = new SyntheticSprites(40, 2, 16, 1);
        SyntheticSprites second = new SyntheticSprites(25, 3, 16, 2);

        DatasetManifest v1 = producer.produce(first, twice, n -> { }).manifest();
        DatasetManifest v2 = producer.produce(second, twice, n -> { }).manifest();

        assertEquals(1, v1.version());
        assertEquals(2, v2.version());
        assertEquals(25, v2.count());
        assertEquals(25, v2.rangeSize());
        assertEquals(second.classes(), v2.classes());
        v1.partitions().forEach((p, range) ->
                assertEquals(range[1], v2.partitions().get(p)[0], "version 2 starts where version 1 ended, partition " + p));
        List<ConsumerRecord<String, byte[]>> v2Records = readRanges(v2);
        assertEquals(25, v2Records.size());
        for (ConsumerRecord<String, byte[]> r : v2Records) {
            assertTrue(second.classes().contains(header(r, SpriteRecords.LABEL)), r.key());
        }
        assertEquals(spritesByKey(second).keySet(), keysIn(v2Records));
        assertEquals(spritesByKey(first).keySet(), keysIn(readRanges(v1)));
    }

    @Test
    void appendingMakesANewVersionOfTheOldRecordsPlusTheNewOnesWithoutResendingAny(EmbeddedKafka kafka)
            throws IOException {
        SpriteProducer producer = new SpriteProducer(KafkaSettings.of(kafka.bootstrapServers()));
        ProduceRequest first = new ProduceRequest(unique("sp-append"), null, 2, 0);
        SyntheticSprites old = new SyntheticSprites(30, 2, 16, 1);
        SyntheticSprites added = new SyntheticSprites(12, 3, 16, 2);

        DatasetManifest v1 = producer.produce(old, first, n -> { }).manifest();
        ProduceResult appended = producer.produce(added, first.appending(), n -> { });
        DatasetManifest v2 = appended.manifest();

        assertEquals(12, appended.records(), "only the new sprites were sent");
        assertEquals(2, v2.version());
        assertEquals(42, v2.count());
        assertEquals(42, v2.rangeSize());
        assertEquals(v1.topic(), v2.topic());
        v1.partitions().forEach((p, range) ->
                assertEquals(range[0], v2.partitions().get(p)[0], "version 2 starts where version 1 started, partition " + p));
        List<String> classes = new java.util.ArrayList<>(old.classes());
        added.classes().stream().filter(c -> !classes.contains(c)).forEach(classes::add);
        assertEquals(classes, v2.classes(), "old label ids stay, new classes come after");
        assertEquals(42, readRanges(v2).size());
        assertEquals(30, readRanges(v1).size(), "version 1 is unchanged");
    }

    @Test
    void appendingToADatasetWithNoVersionFailsWithAReason(EmbeddedKafka kafka) {
        SpriteProducer producer = new SpriteProducer(KafkaSettings.of(kafka.bootstrapServers()));
        ProduceRequest nothing = new ProduceRequest(unique("sp-nothing"), null, 1, 0).appending();
        ProduceException e = assertThrows(ProduceException.class,
                () -> producer.produce(new SyntheticSprites(3, 1, 16, 1), nothing, n -> { }));
        assertTrue(e.getMessage().contains("has no version yet"), e.getMessage());
    }

    @Test
    void anUnreachableBootstrapFailsWithinTheTimeoutNamingTheAddress() throws IOException {
        String address = "127.0.0.1:" + closedPort();
        SpriteProducer producer = new SpriteProducer(KafkaSettings.of(address).withTimeout(Duration.ofSeconds(3)));
        ProduceRequest unreachable = new ProduceRequest(unique("sp-unreachable"), null, 1, 0);

        KafkaUnreachableException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                assertThrows(KafkaUnreachableException.class,
                        () -> producer.produce(new SyntheticSprites(5, 1, 16, 1), unreachable, n -> { })));

        assertTrue(e.getMessage().contains(address), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    @Test
    void aRateLimitSpacesTheRecordsAtLeastOneIntervalApart(EmbeddedKafka kafka) throws IOException {
        int records = 31;
        double rate = 20;
        double atLeastSeconds = (records - 1) / rate;
        SpriteProducer producer = new SpriteProducer(KafkaSettings.of(kafka.bootstrapServers()));
        ProduceRequest paced = new ProduceRequest(unique("sp-rate"), null, 1, rate);

        long began = System.nanoTime();
        ProduceResult pacedResult = producer.produce(new SyntheticSprites(records, 2, 16, 3), paced, n -> { });
        double wallSeconds = (System.nanoTime() - began) / 1e9;

        assertEquals(records, pacedResult.records());
        assertTrue(wallSeconds >= atLeastSeconds, "took " + wallSeconds + " s, expected >= " + atLeastSeconds);
        assertTrue(pacedResult.sendingSeconds() >= atLeastSeconds,
                "sending took " + pacedResult.sendingSeconds() + " s, expected >= " + atLeastSeconds);
        assertTrue(pacedResult.seconds() >= pacedResult.sendingSeconds() && pacedResult.seconds() <= wallSeconds,
                "the whole produce took " + pacedResult.seconds() + " s: within the call's " + wallSeconds
                        + " s and no less than its sending");
    }

    // --- helpers -------------------------------------------------------------------------------

    private static String unique(String prefix) {
        return prefix + "-" + Long.toHexString(System.nanoTime());
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static Map<String, Sprite> spritesByKey(SyntheticSprites sprites) throws IOException {
        Map<String, Sprite> byKey = new LinkedHashMap<>();
        sprites.forEach(s -> assertEquals(null, byKey.put(s.key(), s), "source key twice: " + s.key()));
        return byKey;
    }

    private static Set<String> keysIn(List<ConsumerRecord<String, byte[]>> records) {
        Set<String> keys = new HashSet<>();
        records.forEach(r -> assertTrue(keys.add(r.key()), "key twice: " + r.key()));
        return keys;
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        assertNotNull(header, "header " + name + " of " + record.key());
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static Map<TopicPartition, Long> endOffsets(String topic) throws Exception {
        try (Admin admin = Admin.create(settings.admin("test"))) {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            description.partitions().forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            Map<TopicPartition, Long> end = new LinkedHashMap<>();
            admin.listOffsets(latest).all().get().forEach((tp, info) -> end.put(tp, info.offset()));
            return end;
        }
    }

    private static List<ConsumerRecord<String, byte[]>> readWholeTopic(String topic) {
        try {
            Map<String, long[]> ranges = new TreeMap<>();
            endOffsets(topic).forEach((tp, end) -> ranges.put(String.valueOf(tp.partition()), new long[] {0, end}));
            return read(topic, ranges);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> readRanges(DatasetManifest manifest) {
        return read(manifest.topic(), manifest.partitions());
    }

    /** Every record in the {@code [start, end)} ranges; fails if they do not all arrive within {@link #AWAIT}. */
    private static List<ConsumerRecord<String, byte[]>> read(String topic, Map<String, long[]> ranges) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer("test-reader"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            Map<TopicPartition, Long> remaining = new LinkedHashMap<>();
            ranges.forEach((p, range) -> {
                if (range[1] > range[0]) {
                    remaining.put(new TopicPartition(topic, Integer.parseInt(p)), range[1]);
                }
            });
            consumer.assign(remaining.keySet());
            ranges.forEach((p, range) -> {
                TopicPartition tp = new TopicPartition(topic, Integer.parseInt(p));
                if (remaining.containsKey(tp)) {
                    consumer.seek(tp, range[0]);
                }
            });
            long deadline = System.nanoTime() + AWAIT.toNanos();
            while (!remaining.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Long end = remaining.get(tp);
                    if (end != null && r.offset() < end) {
                        records.add(r);
                    }
                }
                remaining.keySet().removeIf(tp -> consumer.position(tp) >= remaining.get(tp));
                consumer.pause(consumer.assignment().stream().filter(tp -> !remaining.containsKey(tp)).toList());
            }
            assertTrue(remaining.isEmpty(), "ranges not read within " + AWAIT + ": " + remaining.keySet());
        }
        return records;
    }
}
