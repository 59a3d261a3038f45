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
import io.spritestream.loader.testing.TestPng;
import io.spritestream.record.SpriteRecords;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live tail on a real broker with the default settings: a slow stream is delivered as it comes
 * (the shuffle buffer holds a record no longer than {@code --follow-max-hold}).
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
}
