package io.spritestream.loader.ingest;

import java.util.List;

/**
 * Kafka's client classes with the most start-up work in their static initialisers (configuration
 * definitions, every request and response schema, the consumer and admin machinery): loaded and
 * initialised ahead, on a thread of its own, while the main thread parses the command line.
 */
public final class KafkaClasses {

    private static final List<String> NAMES = List.of(
            "org.apache.kafka.common.protocol.ApiKeys",
            "org.apache.kafka.clients.consumer.ConsumerConfig",
            "org.apache.kafka.clients.admin.AdminClientConfig",
            "org.apache.kafka.clients.admin.KafkaAdminClient",
            "org.apache.kafka.clients.consumer.KafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer",
            "org.apache.kafka.clients.consumer.internals.Fetcher",
            "org.apache.kafka.clients.consumer.internals.OffsetFetcher",
            "org.apache.kafka.clients.NetworkClient",
            "org.apache.kafka.common.network.Selector",
            "org.apache.kafka.common.requests.MetadataResponse",
            "org.apache.kafka.common.requests.FetchResponse",
            "org.apache.kafka.common.requests.ListOffsetsResponse",
            "org.apache.kafka.common.record.MemoryRecords",
            "org.apache.kafka.common.record.DefaultRecordBatch",
            "org.apache.kafka.common.serialization.ByteBufferDeserializer");

    private KafkaClasses() {}

    /** Initialises them; one that is missing (another client version) is skipped. Any thread. */
    public static void preload() {
        ClassLoader loader = KafkaClasses.class.getClassLoader();
        for (String name : NAMES) {
            try {
                Class.forName(name, true, loader);
            } catch (ClassNotFoundException | LinkageError e) {
                // Nothing is lost: the run loads what it uses when it uses it.
            }
        }
    }
}
