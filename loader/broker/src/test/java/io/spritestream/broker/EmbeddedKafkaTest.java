package io.spritestream.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(SharedKafka.class)
class EmbeddedKafkaTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);

    @Test
    void producedRecordsAreConsumedBackThroughAGroup(EmbeddedKafka kafka) throws Exception {
        String topic = "round-trip";
        createTopic(kafka, new NewTopic(topic, 2, (short) 1));
        List<String> sent = List.of("a", "b", "c", "d", "e");
        produce(kafka, topic, sent);

        Properties props = consumerProperties(kafka);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "round-trip-group");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            List<String> received = pollUntil(consumer, sent.size());
            assertEquals(Set.copyOf(sent), Set.copyOf(received));
            consumer.commitSync();
        }
    }

    @Test
    void createdTopicHasTheRequestedPartitionsAndDefaultsToFour(EmbeddedKafka kafka) throws Exception {
        createTopic(kafka, new NewTopic("three-partitions", 3, (short) 1));
        createTopic(kafka, new NewTopic("default-partitions", Optional.empty(), Optional.empty()));

        try (Admin admin = Admin.create(adminProperties(kafka))) {
            Map<String, TopicDescription> topics = describeOnceKnown(admin, List.of("three-partitions", "default-partitions"));
            assertEquals(3, topics.get("three-partitions").partitions().size());
            assertEquals(4, topics.get("default-partitions").partitions().size());
            assertEquals(1, topics.get("default-partitions").partitions().get(0).replicas().size());
        }
    }

    @Test
    void producingToAMissingTopicDoesNotCreateIt(EmbeddedKafka kafka) throws Exception {
        Properties props = producerProperties(kafka);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "500");
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            assertThrows(Exception.class,
                    () -> producer.send(new ProducerRecord<>("never-created", "x")).get());
        }
        try (Admin admin = Admin.create(adminProperties(kafka))) {
            assertFalse(admin.listTopics().names().get().contains("never-created"));
        }
    }

    @Test
    void restartOnTheSameDataDirAndPortKeepsTheRecords(@TempDir Path dataDir) throws Exception {
        List<String> sent = List.of("kept-1", "kept-2", "kept-3");
        int port;
        try (EmbeddedKafka first = EmbeddedKafka.builder().dataDir(dataDir).start()) {
            port = first.port();
            createTopic(first, new NewTopic("durable", 1, (short) 1));
            produce(first, "durable", sent);
        }
        assertTrue(Files.exists(dataDir.resolve("meta.properties")), "a given data dir is kept on close");

        try (EmbeddedKafka second = EmbeddedKafka.builder().port(port).dataDir(dataDir).start()) {
            assertEquals("127.0.0.1:" + port, second.bootstrapServers());
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties(second))) {
                TopicPartition partition = new TopicPartition("durable", 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertEquals(sent, pollUntil(consumer, sent.size()));
            }
        }
    }

    @Test
    void closeDeletesItsTemporaryDataDirAndIsIdempotent() {
        EmbeddedKafka kafka = EmbeddedKafka.start();
        Path dataDir = kafka.dataDir();
        assertTrue(Files.isDirectory(dataDir));

        kafka.close();
        kafka.close();

        assertFalse(Files.exists(dataDir));
    }

    @Test
    void startingOnAnOccupiedPortFailsNamingThePort() throws IOException {
        try (ServerSocket occupied = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = occupied.getLocalPort();

            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> EmbeddedKafka.builder().port(port).start());

            assertTrue(e.getMessage().contains("port " + port), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        }
    }

    /**
     * The topics' descriptions, asking again while the broker's metadata does not know them yet: a
     * created topic reaches the metadata cache a moment after {@code createTopics} returns.
     */
    private static Map<String, TopicDescription> describeOnceKnown(Admin admin, List<String> names) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try {
                return admin.describeTopics(names).allTopicNames().get();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.onSpinWait();
            }
        }
    }

    private static void createTopic(EmbeddedKafka kafka, NewTopic topic)
            throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(adminProperties(kafka))) {
            admin.createTopics(List.of(topic)).all().get();
        }
    }

    private static void produce(EmbeddedKafka kafka, String topic, List<String> values)
            throws InterruptedException, ExecutionException {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProperties(kafka))) {
            for (String value : values) {
                producer.send(new ProducerRecord<>(topic, value, value)).get();
            }
        }
    }

    /** Polls until {@code expected} records arrived; fails after {@link #AWAIT}. */
    private static List<String> pollUntil(KafkaConsumer<String, String> consumer, int expected) {
        List<String> received = new ArrayList<>();
        long deadline = System.nanoTime() + AWAIT.toNanos();
        while (received.size() < expected && System.nanoTime() < deadline) {
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                received.add(record.value());
            }
        }
        assertEquals(expected, received.size(), "records received within " + AWAIT + ": " + received);
        return received;
    }

    private static Properties adminProperties(EmbeddedKafka kafka) {
        return kafka.clientProperties();
    }

    private static Properties producerProperties(EmbeddedKafka kafka) {
        Properties props = kafka.clientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        return props;
    }

    private static Properties consumerProperties(EmbeddedKafka kafka) {
        Properties props = kafka.clientProperties();
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        return props;
    }
}
