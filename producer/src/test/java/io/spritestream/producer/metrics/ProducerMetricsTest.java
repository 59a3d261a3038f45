package io.spritestream.producer.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.Cli;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.ProduceResult;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.cli.ProducerMain;
import io.spritestream.producer.source.SyntheticSprites;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/** The producer's meters after streaming a known dataset to a real broker. */
@ExtendWith(SharedKafka.class)
class ProducerMetricsTest {

    @Test
    void countersEqualTheRecordsAndBytesSentAndKafkaClientMetersLiveWithTheStream(EmbeddedKafka broker) throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Set<String> added = ConcurrentHashMap.newKeySet();
        registry.config().onMeterAdded(m -> added.add(m.getId().getName()));
        ProducerMetrics metrics = new ProducerMetrics(registry);

        ProduceResult result = new SpriteProducer(KafkaSettings.of(broker.bootstrapServers()), metrics)
                .produce(new SyntheticSprites(300, 4, 16, 3), ProduceRequest.of("producer-metrics-test"), n -> { });

        String text = registry.scrape();
        assertEquals(300, result.records());
        assertTrue(text.contains("spritestream_producer_records_sent_total 300.0"), text);
        assertTrue(text.contains("spritestream_producer_bytes_sent_total " + (double) result.bytes()), text);
        assertTrue(text.contains("spritestream_producer_send_errors_total 0.0"), text);
        assertTrue(text.contains("spritestream_producer_send_seconds_count 300"), text);
        assertTrue(text.contains("spritestream_producer_send_seconds_bucket{le="), "send times are a histogram");
        assertTrue(added.contains("kafka.producer.record.send.total"), "Kafka's producer meters while streaming");
        assertTrue(registry.find("kafka.producer.record.send.total").meters().isEmpty(),
                "and gone with the closed producer");
    }

    @Test
    void produceWithMetricsPortPrintsTheEndpoint(EmbeddedKafka broker) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.commandLine(new ProducerMain());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute("produce", "--bootstrap", broker.bootstrapServers(), "--dataset", "produce-metrics-cli",
                "--synthetic", "50", "--quiet", "--metrics-port", "0");

        assertEquals(0, exit, err.toString());
        assertTrue(out.toString().matches("(?s)metrics: http://127\\.0\\.0\\.1:\\d+/metrics\n.*produced 50 records.*"),
                out.toString());
    }
}
