package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.testing.LoaderProcess;
import io.spritestream.loader.testing.TestPng;
import io.spritestream.record.SpriteRecords;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live tail on a real broker with the default settings: a slow stream is delivered as it comes
 * (the shuffle buffer holds a record no longer than {@code --follow-max-hold}), and a member killed
 * without leaving loses its partitions to the survivor within the group's session timeout.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LiveTailTest {

    private static final byte[] PNG = TestPng.random(TestPng.Kind.RGBA, 16, 16, 8, false, 4).encode();

    private KafkaSettings kafka;
    private NDManager manager;

    @BeforeAll
    void start(EmbeddedKafka broker) {
        kafka = KafkaSettings.of(broker.bootstrapServers());
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
    }

    @AfterAll
    void close() {
        manager.close();
    }

    /** Sends {@code count} records, keys k0, k1, ..., one every {@code everyMs} ms, round the partitions. */
    private Thread producing(String topic, int partitions, int count, long everyMs, AtomicInteger sent,
                             AtomicBoolean stop) {
        Thread t = new Thread(() -> {
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("live-tail-test"),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int n = 0; n < count && !stop.get(); n++) {
                    ProducerRecord<String, byte[]> r = new ProducerRecord<>(topic, n % partitions, "k" + n, PNG);
                    r.headers().add(new RecordHeader(SpriteRecords.LABEL, "x".getBytes(StandardCharsets.UTF_8)));
                    producer.send(r);
                    producer.flush();
                    sent.set(n + 1);
                    Thread.sleep(everyMs); // the stream's pace, not a wait for a condition
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "live-tail-test-producer");
        t.setDaemon(true);
        return t;
    }

    private void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = kafka.newAdmin("live-tail-test")) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aSlowStreamIsDeliveredWhileTheShuffleBufferIsFarFromFullAndNothingIsLost() throws Exception {
        String topic = "sprites.live-slow";
        int records = 1000; // 50 a second for 20 s: a quarter of the default 4,096 buffer
        createTopic(topic, 2);
        LoaderConfig config = LoaderConfig.topic(topic).batchSize(8).pixels(new PixelSpec(16, 16, 4, Fit.PAD))
                .order(OrderSpec.shuffled(5)).follow("live-slow");
        assertEquals(4096, config.conclude().order().bufferSize(), "the default buffer");
        AtomicInteger sent = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<String> seen = new ArrayList<>();
        List<Long> delays = new ArrayList<>();
        int[] sentAtFirstBatch = {-1};
        assertTimeoutPreemptively(Duration.ofSeconds(180), () -> {
            try (SpriteLoader loader = SpriteLoader.open(config, kafka, manager)) {
                Thread producer = producing(topic, 2, records, 20, sent, stop);
                producer.start();
                try {
                    while (new HashSet<>(seen).size() < records) {
                        try (SpriteBatch batch = loader.next()) {
                            long now = System.currentTimeMillis();
                            if (sentAtFirstBatch[0] < 0) {
                                sentAtFirstBatch[0] = sent.get();
                            }
                            for (int i = 0; i < batch.size(); i++) {
                                seen.add(batch.key(i));
                                delays.add(now - batch.timestamp(i));
                            }
                        }
                    }
                } finally {
                    stop.set(true);
                    producer.join();
                }
            }
        });
        delays.sort(null);
        System.out.printf("live-slow: first batch after %d of %d records sent; delay record to batch: median %d ms, "
                + "max %d ms%n", sentAtFirstBatch[0], records, delays.get(delays.size() / 2), delays.get(delays.size() - 1));
        assertTrue(sentAtFirstBatch[0] < records,
                "the first batch came only after the stream's last record (" + sentAtFirstBatch[0] + " sent)");
        assertEquals(records, seen.size(), "each record once");
        assertEquals(records, new HashSet<>(seen).size(), "every record delivered");
    }

    @Test
    void aKilledMembersPartitionsGoToTheSurvivorWithinTheSessionTimeout(EmbeddedKafka broker, @TempDir Path dir)
            throws Exception {
        String topic = "sprites.live-takeover";
        String group = "live-takeover";
        createTopic(topic, 4);
        // Offset order: what is measured here is the takeover, not how long a shuffle holds records.
        LoaderConfig config = LoaderConfig.topic(topic).batchSize(8).pixels(new PixelSpec(16, 16, 4, Fit.PAD))
                .order(OrderSpec.inOffsetOrder()).follow(group);
        AtomicBoolean stop = new AtomicBoolean();
        Thread producer = producing(topic, 4, Integer.MAX_VALUE, 10, new AtomicInteger(), stop);
        // What the survivor delivers: per partition, the highest offset, and when a partition first
        // reached an offset (set once the victim is gone).
        Map<Integer, Long> highest = new ConcurrentHashMap<>();
        Map<Integer, Long> takenOverAt = new ConcurrentHashMap<>();
        Map<Integer, Long> victimsCommit = new ConcurrentHashMap<>();
        AtomicBoolean stopTaking = new AtomicBoolean();
        try (Admin admin = kafka.newAdmin("live-tail-test");
             SpriteLoader survivor = SpriteLoader.open(config, kafka, manager)) {
            Thread taking = new Thread(() -> {
                try {
                    while (!stopTaking.get()) {
                        try (SpriteBatch batch = survivor.next()) {
                            if (batch == null) {
                                return;
                            }
                            for (int i = 0; i < batch.size(); i++) {
                                int p = batch.partition(i);
                                highest.merge(p, batch.offset(i), Math::max);
                                Long from = victimsCommit.get(p);
                                if (from != null && batch.offset(i) >= from) {
                                    takenOverAt.putIfAbsent(p, System.nanoTime());
                                }
                            }
                        }
                    }
                } catch (InterruptedException | IllegalStateException e) {
                    // the survivor closed at the end of the test
                }
            }, "live-tail-test-trainer");
            taking.setDaemon(true);
            producer.start();
            taking.start();
            Process victim = null;
            try {
                await(() -> holders(admin, group).size() == 1 && highest.size() == 4, 120, "the survivor reading all 4 partitions");
                String survivorId = holders(admin, group).keySet().iterator().next();
                String[] follow = {"load", "--bootstrap", broker.bootstrapServers(), "--topic", topic, "--follow",
                        "--group", group, "--size", "16", "--batch", "8", "--threads", "1", "--no-shuffle", "--quiet"};
                victim = LoaderProcess.start(dir.resolve("victim.log"), follow);
                await(() -> holders(admin, group).size() == 2, 120, "the second member holding partitions");
                Set<Integer> victims = holders(admin, group).entrySet().stream().filter(e -> !e.getKey().equals(survivorId))
                        .flatMap(e -> e.getValue().stream()).collect(Collectors.toSet());
                Map<Integer, Long> atJoin = committed(admin, group);
                await(() -> victims.stream().allMatch(p -> committed(admin, group).getOrDefault(p, 0L)
                        > atJoin.getOrDefault(p, 0L) + 50), 120, "the second member committing what it delivered");

                Map<Integer, Long> atKill = committed(admin, group);
                // Beyond these the survivor never read before: what it held of them when they moved was
                // delivered within a second or two, long before the victim got this far.
                victims.forEach(p -> victimsCommit.put(p, atKill.get(p)));
                long killed = System.nanoTime();
                victim.destroyForcibly(); // SIGKILL: it never leaves the group
                assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
                await(() -> takenOverAt.keySet().containsAll(victims), 30,
                        "the survivor delivering the killed member's partitions " + victims);
                double seconds = (takenOverAt.values().stream().mapToLong(Long::longValue).max().orElseThrow() - killed) / 1e9;
                System.out.printf("live-takeover: the survivor delivered the killed member's partitions %s %.1f s after "
                        + "the kill%n", victims, seconds);
            } finally {
                stop.set(true);
                stopTaking.set(true);
                if (victim != null) {
                    victim.destroyForcibly();
                }
                producer.join();
            }
        }
    }

    private static void await(BooleanSupplier condition, long seconds, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + ": not within " + seconds + " s");
            Thread.sleep(100); // polling the group's state through the broker
        }
    }

    /** Members holding partitions: member id to partitions. */
    private static Map<String, Set<Integer>> holders(Admin admin, String group) {
        try {
            Map<String, Set<Integer>> out = new HashMap<>();
            for (MemberDescription m : admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS)
                    .get(group).members()) {
                Set<Integer> parts = m.assignment().topicPartitions().stream().map(TopicPartition::partition)
                        .collect(Collectors.toSet());
                if (!parts.isEmpty()) {
                    out.put(m.consumerId(), parts);
                }
            }
            return out;
        } catch (Exception e) {
            return Map.of();
        }
    }

    private static Map<Integer, Long> committed(Admin admin, String group) {
        try {
            Map<Integer, Long> out = new HashMap<>();
            for (Map.Entry<TopicPartition, OffsetAndMetadata> e : admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS).entrySet()) {
                if (e.getValue() != null) {
                    out.put(e.getKey().partition(), e.getValue().offset());
                }
            }
            return out;
        } catch (Exception e) {
            return Map.of();
        }
    }
}
