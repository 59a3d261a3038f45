package io.spritestream.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/**
 * Micrometer's {@link KafkaClientMetrics} of one Kafka client ({@code kafka_consumer_*} or
 * {@code kafka_producer_*}: fetch and send rates, consumer lag, ...), for as long as the client
 * lives. Meters that appear while the client runs (per partition, per node) are picked up every
 * {@link #REFRESH}. {@link #close()} removes them all.
 */
public final class KafkaClientBinding implements AutoCloseable {

    /** How often new client meters are looked for. */
    public static final Duration REFRESH = Duration.ofSeconds(5);

    private final KafkaClientMetrics metrics;
    private final ScheduledExecutorService refresher;

    private KafkaClientBinding(KafkaClientMetrics metrics, ScheduledExecutorService refresher, MeterRegistry registry) {
        this.metrics = metrics;
        this.refresher = refresher;
        metrics.bindTo(registry);
    }

    /** Binds a consumer's meters; only its thread-safe {@code metrics()} is ever called. */
    public static KafkaClientBinding of(Consumer<?, ?> consumer, MeterRegistry registry) {
        ScheduledExecutorService refresher = refresher();
        return new KafkaClientBinding(new KafkaClientMetrics(consumer, List.of(), refresher, REFRESH), refresher, registry);
    }

    /** Binds a producer's meters; only its thread-safe {@code metrics()} is ever called. */
    public static KafkaClientBinding of(Producer<?, ?> producer, MeterRegistry registry) {
        ScheduledExecutorService refresher = refresher();
        return new KafkaClientBinding(new KafkaClientMetrics(producer, List.of(), refresher, REFRESH), refresher, registry);
    }

    private static ScheduledExecutorService refresher() {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spritestream-kafka-metrics");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        metrics.close();
    }
}
