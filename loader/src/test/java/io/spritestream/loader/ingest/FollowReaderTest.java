package io.spritestream.loader.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import io.spritestream.loader.pipeline.LoaderSettings;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The live tail's group member: a partition that moves to another member and comes back (that
 * member gone before committing past what this one had read) is not read twice by this one.
 */
@ExtendWith(SharedKafka.class)
class FollowReaderTest {

    private static void pollUntil(FollowReader reader, List<String> seen, BooleanSupplier done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "no " + what + " within 120 s");
            for (ConsumerRecord<ByteBuffer, ByteBuffer> r : reader.poll()) {
                seen.add(r.partition() + "/" + r.offset());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(GroupProtocol.class)
    void aPartitionThatComesBackIsNotReadAgainByTheMemberThatReadItBefore(GroupProtocol protocol, EmbeddedKafka broker)
            throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        GroupMembership membership = protocol == GroupProtocol.CLASSIC
                ? GroupMembership.classic(LoaderSettings.GROUP_SESSION_TIMEOUT.defaultValue())
                : GroupMembership.consumerProtocol();
        String topic = "follow-reader-regain-" + protocol.kafkaName();
        try (Admin admin = kafka.newAdmin("follow-reader-test")) {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(kafka.producer("follow-reader-test"),
                new StringSerializer(), new StringSerializer())) {
            for (int p = 0; p < 2; p++) {
                for (int i = 0; i < 100; i++) {
                    producer.send(new ProducerRecord<>(topic, p, "k" + i, "v"));
                }
            }
        }
        String group = "follow-reader-regain-group-" + protocol.kafkaName();
        List<String> first = new ArrayList<>();
        try (FollowReader a = new FollowReader(kafka, topic, group, membership)) {
            pollUntil(a, first, () -> first.size() == 200, "200 records read by the first member");
            // Nothing handed out is done yet (its batches are open): the commits stay at the start.

            List<String> second = new ArrayList<>();
            try (FollowReader b = new FollowReader(kafka, topic, group, membership)) {
                // Both poll until the second member has taken a partition and read from it.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (second.isEmpty()) {
                    assertTrue(System.nanoTime() < deadline, "the second member never got a partition");
                    a.poll().forEach(r -> first.add(r.partition() + "/" + r.offset()));
                    b.poll().forEach(r -> second.add(r.partition() + "/" + r.offset()));
                }
            } // the second member leaves having committed nothing past where the first had read

            // The partition comes back to the first member: polling a while reads nothing new.
            List<String> after = new ArrayList<>();
            pollUntil(a, after, () -> a.skipped() >= second.size() || !after.isEmpty(), "the partition back");
            assertEquals(List.of(), after, "records the first member had read, delivered by it again");
            Map<String, Integer> times = new HashMap<>();
            first.forEach(k -> times.merge(k, 1, Integer::sum));
            assertEquals(200, times.size());
            assertTrue(times.values().stream().allMatch(n -> n == 1), "each record once by the first member");
        }
    }
}
