package io.spritestream.loader.ingest;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.kafka.KafkaUnreachableException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

/**
 * Reads single records again, one at a time: the slow path for a sample whose cached copy turned
 * out damaged, so that it is decoded from Kafka instead of delivered wrong. Its consumer is made on
 * first use. Thread-safe (one fetch at a time).
 */
public final class RecordFetcher implements AutoCloseable {

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaSettings kafka;
    private final String topic;
    private KafkaConsumer<ByteBuffer, ByteBuffer> consumer;

    public RecordFetcher(KafkaSettings kafka, String topic) {
        this.kafka = kafka;
        this.topic = topic;
    }

    /**
     * The value of the record at ({@code partition}, {@code offset}), or null if it has none or no
     * longer exists.
     *
     * @throws KafkaUnreachableException if Kafka does not answer within the settings' timeout
     */
    public synchronized ByteBuffer value(int partition, long offset) {
        if (consumer == null) {
            Map<String, Object> config = kafka.consumer("spritestream-refetch");
            config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
            config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
            consumer = new KafkaConsumer<>(config, new ByteBufferDeserializer(), new ByteBufferDeserializer());
        }
        TopicPartition tp = new TopicPartition(topic, partition);
        consumer.assign(List.of(tp));
        consumer.seek(tp, offset);
        long deadline = System.nanoTime() + kafka.timeout().toNanos();
        try {
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<ByteBuffer, ByteBuffer> r : consumer.poll(POLL)) {
                    if (r.offset() == offset) {
                        return r.value();
                    }
                    if (r.offset() > offset) {
                        return null;
                    }
                }
                if (consumer.position(tp) > offset) {
                    return null;
                }
            }
        } catch (org.apache.kafka.clients.consumer.OffsetOutOfRangeException e) {
            return null;
        }
        throw new KafkaUnreachableException("gave up after " + kafka.timeout().toSeconds() + " s reading " + topic + "/"
                + partition + "/" + offset + " again", null);
    }

    @Override
    public synchronized void close() {
        if (consumer != null) {
            consumer.close(CloseOptions.timeout(Duration.ZERO)); // no group: nothing to wait for
            consumer = null;
        }
    }
}
