package io.spritestream.loader.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.Datasets.Raw;
import io.spritestream.loader.testing.PrometheusProcess;
import io.spritestream.loader.testing.RepoFiles;
import io.spritestream.metrics.MetricsServer;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.ProduceResult;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.metrics.ProducerMetrics;
import io.spritestream.producer.source.SyntheticSprites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of the Grafana dashboard, evaluated by a real Prometheus that scrapes a live loader
 * (with a training loop that copies each batch to its device and takes a few milliseconds a step)
 * and a live producer (streaming another dataset at a steady rate meanwhile): each must return
 * data, and a finite value. The values are written to {@code target/dashboard-queries.txt}.
 */
@ExtendWith(SharedKafka.class)
class DashboardQueriesTest {

    private static final String TOPIC = "sprites.dashboard";
    /**
     * What Grafana's variables stand for here (scrapes every second; the job and instance variables
     * set to "All", as the dashboard opens).
     */
    private static final Map<String, String> GRAFANA_VARIABLES = Map.of(
            "$__rate_interval", "10s", "$__interval", "2s", "$__range", "5m", "$job", ".*", "$instance", ".*");
    /** Scrapes of each target before the queries are evaluated: the rate window is full. */
    private static final int SCRAPES = 12;
    /** The live producer's stream: long enough to outlast the evaluation. */
    private static final int LIVE_SPRITES = 8000;
    private static final double LIVE_RATE = 400;
    private static final long TRAINING_STEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    /** One query of one panel. */
    record Query(String panel, String legend, String expr) {
        String promql() {
            String q = expr;
            for (Map.Entry<String, String> v : GRAFANA_VARIABLES.entrySet()) {
                q = q.replace(v.getKey(), v.getValue());
            }
            return q;
        }
    }

    static List<Query> dashboardQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(RepoFiles.resolve("grafana/dashboards/spritestream.json").toFile());
        List<Query> queries = new ArrayList<>();
        collect(dashboard.path("panels"), queries);
        return queries;
    }

    private static void collect(JsonNode panels, List<Query> queries) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(panel.path("title").asText(), target.path("legendFormat").asText(),
                        target.path("expr").asText()));
            }
            collect(panel.path("panels"), queries);
        }
    }

    @Test
    void everyDashboardQueryReturnsDataFromALiveLoaderAndProducer(EmbeddedKafka broker, @TempDir Path dir)
            throws Exception {
        PrometheusProcess.require("prometheus");
        List<Query> queries = dashboardQueries();
        assertTrue(queries.size() >= 20, "the dashboard has its panels: " + queries.size());
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        writeHostileRecords(kafka);
        new SpriteProducer(kafka).produce(new SyntheticSprites(3000, 4, 16, 11),
                new ProduceRequest("dashboard", TOPIC, 1, 0), n -> { });

        try (MetricsServer loaderEndpoint = MetricsServer.start(0);
             MetricsServer producerEndpoint = MetricsServer.start(0);
             PrometheusProcess prometheus = PrometheusProcess.start(dir, Map.of(
                     "spritestream-loader", loaderEndpoint.port(), "spritestream-producer", producerEndpoint.port()))) {
            awaitValue(prometheus, "count(up == 1)", v -> v == 2, "both targets up");

            ProducerMetrics producerMetrics = new ProducerMetrics(producerEndpoint.registry());
            CompletableFuture<ProduceResult> live = CompletableFuture.supplyAsync(() -> produceLive(kafka, producerMetrics));
            Trainer trainer = new Trainer(kafka, new LoaderMetrics(loaderEndpoint.registry()));
            trainer.start();
            Map<Query, List<String>> values;
            try {
                awaitValue(prometheus, "count_over_time(spritestream_samples_delivered_total[1m])",
                        v -> v >= SCRAPES, SCRAPES + " scrapes of the loader");
                assertFalse(live.isDone(), "the producer still streams");
                values = awaitEveryQueryFinite(prometheus, queries);
            } finally {
                trainer.stop();
            }
            assertEquals(LIVE_SPRITES, live.get(60, TimeUnit.SECONDS).records());
            report(values);
            for (Query q : queries) {
                assertFalse(values.get(q).isEmpty(), q + " returned no data");
            }
        }
    }

    private static ProduceResult produceLive(KafkaSettings kafka, ProducerMetrics metrics) {
        try {
            return new SpriteProducer(kafka, metrics).produce(new SyntheticSprites(LIVE_SPRITES, 4, 16, 12),
                    new ProduceRequest("dashboard-live", null, 2, LIVE_RATE), n -> { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bad records first, so that the dead-letter panels have reasons to show. */
    private static void writeHostileRecords(KafkaSettings kafka) {
        Datasets.writeTopic(kafka, TOPIC, Datasets.list(
                new Raw("bad/empty", "x", new byte[0]),
                new Raw("bad/text", "x", "not a sprite".getBytes(StandardCharsets.UTF_8)),
                new Raw("bad/null", "x", null)));
    }

    /** The training loop: copies each batch to its device (the CPU here) and takes a while per step. */
    private static final class Trainer {
        private final KafkaSettings kafka;
        private final LoaderMetrics metrics;
        private final AtomicBoolean stop = new AtomicBoolean();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread thread;

        Trainer(KafkaSettings kafka, LoaderMetrics metrics) {
            this.kafka = kafka;
            this.metrics = metrics;
            this.thread = new Thread(this::run, "test-trainer");
        }

        void start() {
            thread.start();
        }

        private void run() {
            LoaderConfig config = LoaderConfig.topic(TOPIC).batchSize(32).epochs(100_000).threads(1)
                    .pixels(new PixelSpec(16, 16, 4, Fit.PAD));
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                 SpriteLoader loader = SpriteLoader.open(config.conclude(), kafka, manager, metrics.observers())) {
                while (!stop.get()) {
                    try (SpriteBatch batch = loader.next(); NDManager device = manager.newSubManager()) {
                        long began = System.nanoTime();
                        batch.detach(device);
                        loader.listener().copiedToDevice(System.nanoTime() - began);
                        LockSupport.parkNanos(TRAINING_STEP_NANOS);
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }

        void stop() throws InterruptedException {
            stop.set(true);
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (failure.get() != null) {
                throw new AssertionError("the training loop failed", failure.get());
            }
        }
    }

    private static void awaitValue(PrometheusProcess prometheus, String promql,
                                   java.util.function.DoublePredicate ok, String what) throws InterruptedException {
        PrometheusProcess.await(Duration.ofSeconds(60), what + " (" + promql + ")", () -> {
            List<String> v = evaluate(prometheus, promql);
            return !v.isEmpty() && ok.test(Double.parseDouble(v.get(0).substring(v.get(0).lastIndexOf('=') + 1)));
        });
    }

    /** Waits until every query returns at least one series and every value is finite; returns them. */
    private static Map<Query, List<String>> awaitEveryQueryFinite(PrometheusProcess prometheus, List<Query> queries)
            throws InterruptedException {
        Map<Query, List<String>> values = new LinkedHashMap<>();
        try {
            PrometheusProcess.await(Duration.ofSeconds(60), "every dashboard query to return finite data", () -> {
                values.clear();
                boolean all = true;
                for (Query q : queries) {
                    List<String> v = evaluate(prometheus, q.promql());
                    values.put(q, v);
                    all &= !v.isEmpty() && v.stream().allMatch(DashboardQueriesTest::finite);
                }
                return all;
            });
        } catch (AssertionError e) {
            StringBuilder missing = new StringBuilder(e.getMessage()).append(":");
            values.forEach((q, v) -> {
                if (v.isEmpty() || !v.stream().allMatch(DashboardQueriesTest::finite)) {
                    missing.append("\n  ").append(q.panel()).append(" | ").append(q.promql()).append(" -> ").append(v);
                }
            });
            throw new AssertionError(missing + "\nPrometheus log:\n" + prometheus.logText(), e);
        }
        return values;
    }

    private static boolean finite(String labelledValue) {
        double v = Double.parseDouble(labelledValue.substring(labelledValue.lastIndexOf('=') + 1));
        return Double.isFinite(v);
    }

    /** Each series of the result as {@code {labels}=value}. */
    private static List<String> evaluate(PrometheusProcess prometheus, String promql) {
        try {
            List<String> out = new ArrayList<>();
            for (JsonNode series : prometheus.query(promql)) {
                Map<String, String> labels = new LinkedHashMap<>();
                series.path("metric").fields().forEachRemaining(f -> {
                    if (!f.getKey().equals("instance")) {
                        labels.put(f.getKey(), f.getValue().asText());
                    }
                });
                out.add(labels + "=" + series.path("value").get(1).asText());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void report(Map<Query, List<String>> values) throws IOException {
        StringBuilder sb = new StringBuilder("panel | legend | query | value(s)\n");
        values.forEach((q, v) -> sb.append(String.format(Locale.ROOT, "%s | %s | %s | %s%n",
                q.panel(), q.legend(), q.expr(), String.join("; ", v))));
        Path out = Path.of("target", "dashboard-queries.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb);
        System.out.print(sb);
    }
}
