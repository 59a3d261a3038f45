package io.spritestream.producer.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.spritestream.metrics.KafkaClientBinding;
import io.spritestream.producer.ProduceListener;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;

/**
 * The producer's meters: records and bytes acknowledged, send errors, and the send-to-acknowledgement
 * time as a histogram ({@code spritestream_producer_*}), plus Micrometer's Kafka client meters of
 * the Kafka producer while a stream is being sent ({@code kafka_producer_*}, see
 * {@link KafkaClientBinding}).
 *
 * <p>Give it to {@code new SpriteProducer(kafka, metrics)}. Thread-safe; one instance per registry.
 */
public final class ProducerMetrics implements ProduceListener {

    private final MeterRegistry registry;
    private final Counter records;
    private final Counter bytes;
    private final Counter errors;
    private final Timer send;
    private KafkaClientBinding client;

    public ProducerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.records = Counter.builder(ProducerMetricNames.PRODUCER_RECORDS_SENT)
                .description("Records acknowledged by Kafka").register(registry);
        this.bytes = Counter.builder(ProducerMetricNames.PRODUCER_BYTES_SENT)
                .description("Value bytes of the records acknowledged by Kafka").register(registry);
        this.errors = Counter.builder(ProducerMetricNames.PRODUCER_SEND_ERRORS)
                .description("Records Kafka did not take").register(registry);
        this.send = Timer.builder(ProducerMetricNames.PRODUCER_SEND)
                .description("Time from send to acknowledgement of one record")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(50_000))
                .maximumExpectedValue(Duration.ofSeconds(120))
                .register(registry);
    }

    @Override
    public synchronized void clientOpened(Producer<?, ?> producer) {
        closeClient();
        client = KafkaClientBinding.of(producer, registry);
    }

    @Override
    public void acknowledged(int size, long nanos) {
        records.increment();
        bytes.increment(size);
        send.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void failed(long nanos) {
        errors.increment();
        send.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public synchronized void clientClosed(Producer<?, ?> producer) {
        closeClient();
    }

    private void closeClient() {
        if (client != null) {
            client.close();
            client = null;
        }
    }
}
