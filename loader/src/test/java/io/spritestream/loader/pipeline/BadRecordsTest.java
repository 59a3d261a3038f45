package io.spritestream.loader.pipeline;

import io.spritestream.loader.export.RunReport;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.ingest.DeadLetterWriter;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.Datasets.Raw;
import io.spritestream.loader.testing.TestPng;
import io.spritestream.loader.testing.TestPng.Kind;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A topic written without the project's producer, good and hostile records mixed. */
@ExtendWith(SharedKafka.class)
class BadRecordsTest {

    /** Good and hostile records side by side: 7 good, 7 bad. */
    static List<Raw> hostile() throws Exception {
        byte[] good = TestPng.random(Kind.RGBA, 12, 12, 8, false, 1).encode();
        byte[] random = new byte[700];
        new Random(3).nextBytes(random);
        return Datasets.list(
                new Raw("rgba", "a", good),
                new Raw("truncated", "a", TestPng.truncated(good, 0.5)),
                new Raw("rgb16", "b", TestPng.random(Kind.RGB, 12, 12, 16, false, 2).encode()),
                new Raw("random", "a", random),
                new Raw("palette", "b", TestPng.random(Kind.PALETTE, 12, 12, 8, false, 3).encode()),
                new Raw("empty", "a", new byte[0]),
                new Raw("gray", "a", TestPng.random(Kind.GRAY, 12, 12, 8, false, 4).encode()),
                new Raw("null", "a", null),
                new Raw("interlaced", "b", TestPng.random(Kind.RGBA, 12, 12, 8, true, 5).encode()),
                new Raw("text", "a", "hello, I am not a sprite".getBytes(StandardCharsets.UTF_8)),
                new Raw("jpeg", "b", jpeg()),
                new Raw("corrupt", "a", TestPng.corruptChunk(good)),
                new Raw("bomb", "a", TestPng.bomb(30000, 30000)),
                new Raw("gray-alpha", "b", TestPng.random(Kind.GRAY_ALPHA, 12, 12, 8, false, 6).encode()));
    }

    private static LoaderConfig config(String topic) {
        return LoaderConfig.topic(topic).batchSize(4).threads(2).pixels(new PixelSpec(12, 12, 4, Fit.PAD))
                .leakDetection(LeakDetection.PARANOID);
    }

    /** Keys delivered per batch. */
    private static List<List<String>> batches(SpriteLoader loader) throws InterruptedException {
        List<List<String>> batches = new ArrayList<>();
        for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
            try (SpriteBatch batch = next) {
                List<String> keys = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    keys.add(batch.key(i));
                }
                batches.add(keys);
            }
        }
        return batches;
    }

    @Test
    void badRecordsAreDeadLetteredWithTheirReasonAndBatchesAreFilledWithGoodOnes(EmbeddedKafka broker) throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        List<Raw> records = hostile();
        Datasets.writeTopic(kafka, "sprites.hostile", records);

        List<String> delivered = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        LoaderStats stats;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(LoaderConfig.topic("sprites.hostile").batchSize(4).threads(2)
                     .pixels(new PixelSpec(12, 12, 4, Fit.PAD)).leakDetection(LeakDetection.PARANOID), kafka, manager)) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    sizes.add(batch.size());
                    for (int i = 0; i < batch.size(); i++) {
                        delivered.add(batch.key(i));
                    }
                }
            }
            stats = loader.stats();
        }

        assertEquals(List.of("rgba", "rgb16", "palette", "gray", "interlaced", "jpeg", "gray-alpha"), delivered);
        assertEquals(List.of(4, 3), sizes, "the first batch is filled with the next good samples");
        assertEquals(1, stats.rejected(RejectReason.EMPTY));
        assertEquals(1, stats.rejected(RejectReason.NULL_VALUE));
        assertEquals(2, stats.rejected(RejectReason.UNSUPPORTED), "random bytes and text");
        assertEquals(2, stats.rejected(RejectReason.UNDECODABLE), "truncated and corrupt chunk");
        assertEquals(1, stats.rejected(RejectReason.TOO_LARGE), "the bomb");
        assertEquals(records.size(), stats.recordsAccounted(), "records read = delivered + dead-lettered");

        Map<String, ConsumerRecord<String, byte[]>> dlq = readAll(kafka, "sprites.hostile.dlq", 7);
        Map<String, String> reasons = new HashMap<>();
        dlq.forEach((key, r) -> reasons.put(key, header(r, DeadLetterWriter.REASON)));
        assertEquals(Map.of("truncated", "undecodable", "random", "unsupported", "empty", "empty", "null", "null_value",
                "text", "unsupported", "corrupt", "undecodable", "bomb", "too_large"), reasons);
        ConsumerRecord<String, byte[]> bomb = dlq.get("bomb");
        assertEquals("sprites.hostile/0/12", header(bomb, DeadLetterWriter.SOURCE));
        assertTrue(header(bomb, DeadLetterWriter.ERROR).contains("30000x30000"));
        assertEquals(List.of(TestPng.bomb(30000, 30000).length), List.of(bomb.value().length), "original value kept");
        assertEquals("a", header(bomb, "label"));
        assertTrue(isJvmHealthy(), "the JVM's memory is unharmed");
    }

    @Test
    void aBadRecordIsDeadLetteredOnceHoweverManyRunsAndEpochsReadItAndTheReportNamesIt(EmbeddedKafka broker)
            throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        Datasets.writeTopic(kafka, "sprites.hostile-once", hostile());

        RunReport report = null;
        for (int run = 0; run < 2; run++) {
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                 SpriteLoader loader = SpriteLoader.open(config("sprites.hostile-once").epochs(2), kafka, manager)) {
                batches(loader);
                report = loader.report();
            }
        }

        assertEquals(14, report.deadLettered(), "the run counts every rejection, 7 an epoch");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer("test-dlq-count"),
                new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition("sprites.hostile-once.dlq", 0);
            assertEquals(7L, consumer.endOffsets(List.of(tp)).get(tp), "7 bad records, each written once in 2 runs of 2 epochs");
        }
        List<String> named = report.deadLetters().stream().map(e -> e.key() + " " + e.reason()).toList();
        assertEquals(List.of("truncated undecodable", "random unsupported", "empty empty", "null null_value",
                "text unsupported", "corrupt undecodable", "bomb too_large"), named, "each once, in the order read");
        assertEquals(12L, report.deadLetters().get(6).offset());
        String line = report.deadLetterLine("sprites.hostile-once.dlq");
        assertTrue(line.startsWith("dead letters (in sprites.hostile-once.dlq): truncated (undecodable: PNG cut short")
                && line.endsWith("; and 4 more (named in --report-json)"), line);
    }

    @Test
    void skipCountsBadRecordsWithoutWritingThemAnywhere(EmbeddedKafka broker) throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        Datasets.writeTopic(kafka, "sprites.hostile-skip", hostile());
        LoaderStats stats;
        List<List<String>> delivered;
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(config("sprites.hostile-skip").onBadRecord(BadRecordPolicy.SKIP),
                     kafka, manager)) {
            delivered = batches(loader);
            stats = loader.stats();
        }
        assertEquals(7, delivered.stream().mapToInt(List::size).sum());
        assertEquals(7, stats.rejectedTotal());
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(kafka.admin("t"))) {
            assertFalse(admin.listTopics().names().get().contains("sprites.hostile-skip.dlq"), "no dead-letter topic");
        }
    }

    @Test
    void failStopsAtTheFirstBadRecordNamingIt(EmbeddedKafka broker) throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        Datasets.writeTopic(kafka, "sprites.hostile-fail", hostile());
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(config("sprites.hostile-fail").onBadRecord(BadRecordPolicy.FAIL),
                     kafka, manager)) {
            BadRecordException e = assertThrows(BadRecordException.class, () -> batches(loader));
            assertTrue(e.getMessage().startsWith("bad record sprites.hostile-fail/0/1 (key truncated): undecodable"),
                    e.getMessage());
        }
    }

    @Test
    void shardedRanksStayEqualByRepeatingASampleInPlaceOfEachDeadLetter(EmbeddedKafka broker) throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        List<Raw> records = hostile();
        Datasets.writeTopic(kafka, "sprites.hostile-ranks", records);
        List<Integer> batchCounts = new ArrayList<>();
        long deadLettered = 0;
        List<String> delivered = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
            for (int rank = 0; rank < 2; rank++) {
                try (SpriteLoader loader = SpriteLoader.open(config("sprites.hostile-ranks").shard(rank, 2)
                        .order(io.spritestream.loader.replay.OrderSpec.inOffsetOrder()), kafka, manager)) {
                    List<List<String>> batches = batches(loader);
                    batchCounts.add(batches.size());
                    batches.forEach(delivered::addAll);
                    assertEquals(List.of(4, 3), batches.stream().map(List::size).toList(), "rank " + rank);
                    LoaderStats stats = loader.stats();
                    deadLettered += stats.rejectedTotal();
                    assertEquals(7, stats.samplesDelivered() - stats.repeated() + stats.rejectedTotal(), "rank " + rank);
                }
            }
        }
        assertEquals(batchCounts.get(0), batchCounts.get(1), "every rank the same number of batches");
        assertEquals(7, deadLettered);
        assertTrue(delivered.containsAll(List.of("rgba", "rgb16", "palette", "gray", "interlaced", "jpeg", "gray-alpha")));
        assertFalse(delivered.contains("bomb"));
    }

    @Test
    void whenTheDeadLetterCannotBeWrittenTheRunStopsRatherThanLoseTheRecord(EmbeddedKafka broker) throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        // 246 characters: legal for the topic, but "<topic>.dlq" is over Kafka's limit of 249.
        String topic = "sprites." + "x".repeat(238);
        Datasets.writeTopic(kafka, topic, Datasets.list(new Raw("bad", "a", new byte[] {1, 2, 3})));
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(config(topic), kafka, manager)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> batches(loader));
            assertTrue(e.getMessage().startsWith("cannot create dead-letter topic " + topic + ".dlq"), e.getMessage());
            assertEquals(0, loader.stats().samplesDelivered());
        }
    }

    private static boolean isJvmHealthy() {
        byte[] probe = new byte[1 << 20];
        java.util.Arrays.fill(probe, (byte) 7);
        return probe[probe.length - 1] == 7 && Runtime.getRuntime().freeMemory() > 0;
    }

    private static byte[] jpeg() throws Exception {
        BufferedImage image = new BufferedImage(12, 12, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        assertNotNull(h, name);
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Map<String, ConsumerRecord<String, byte[]>> readAll(KafkaSettings kafka, String topic, int expected) {
        Map<String, ConsumerRecord<String, byte[]>> byKey = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer("test-dlq-reader"),
                new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (byKey.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> byKey.put(r.key(), r));
            }
        }
        assertEquals(expected, byKey.size(), "dead letters in " + topic);
        return byKey;
    }
}
