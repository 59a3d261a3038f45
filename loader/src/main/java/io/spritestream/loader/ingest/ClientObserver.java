package io.spritestream.loader.ingest;

import org.apache.kafka.clients.consumer.Consumer;

/**
 * Told when a feed opens and closes its Kafka consumer, so that its client metrics can be bound
 * (Micrometer's {@code KafkaClientMetrics}) without the pipeline handling Kafka's types. The
 * observer may only call the consumer's thread-safe {@code metrics()}.
 */
public interface ClientObserver {

    /** Observes nothing. */
    ClientObserver NONE = new ClientObserver() { };

    default void consumerOpened(Consumer<?, ?> consumer) {
    }

    default void consumerClosed(Consumer<?, ?> consumer) {
    }
}
