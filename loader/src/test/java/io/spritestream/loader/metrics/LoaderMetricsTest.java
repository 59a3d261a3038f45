package io.spritestream.loader.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.Datasets.Raw;
import io.spritestream.loader.testing.PrometheusText;
import io.spritestream.loader.testing.TestPng;
import io.spritestream.producer.source.SyntheticSprites;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The loader's meters after loading a dataset whose counts are known: good and bad records mixed,
 * on a real broker, served in Prometheus's text format under the names of DESIGN.md.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoaderMetricsTest {

    private static final String TOPIC = "sprites.metrics-test";
    private static final int GOOD = 150;
    private static final int BATCH = 32;
    private static final int EPOCHS = 2;
    private static final int SLABS = 6;
    private static final int BATCHES_PER_EPOCH = (GOOD + BATCH - 1) / BATCH;

    private KafkaSettings kafka;
    private NDManager manager;
    private int records;
    private long valueBytes;

    @BeforeAll
    void writeTopic(EmbeddedKafka broker) throws Exception {
        kafka = KafkaSettings.of(broker.bootstrapServers());
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        List<Raw> raw = new ArrayList<>();
        new SyntheticSprites(GOOD, 4, 16, 7).forEach(s -> raw.add(new Raw(s.key(), s.label(), s.bytes())));
        byte[] png = raw.get(0).value();
        // 3 empty, 2 unsupported, 1 null value, 2 undecodable, spread among the good ones.
        raw.add(10, new Raw("bad/empty-1", "x", new byte[0]));
        raw.add(40, new Raw("bad/text-1", "x", "not a sprite".getBytes(StandardCharsets.UTF_8)));
        raw.add(41, new Raw("bad/empty-2", "x", new byte[0]));
        raw.add(70, new Raw("bad/null", "x", null));
        raw.add(90, new Raw("bad/truncated-1", "x", TestPng.truncated(png, 0.5)));
        raw.add(120, new Raw("bad/text-2", "x", "{\"json\": true}".getBytes(StandardCharsets.UTF_8)));
        raw.add(121, new Raw("bad/empty-3", "x", new byte[0]));
        raw.add(155, new Raw("bad/truncated-2", "x", TestPng.truncated(png, 0.3)));
        records = raw.size();
        valueBytes = raw.stream().mapToLong(r -> r.value() == null ? 0 : r.value().length).sum();
        Datasets.writeTopic(kafka, TOPIC, raw);
    }

    @AfterAll
    void close() {
        manager.close();
    }

    /** Every epoch read and decoded (no cache): the counts below are those of the Kafka path. */
    private LoaderConfig config() {
        return LoaderConfig.topic(TOPIC).batchSize(BATCH).epochs(EPOCHS).threads(2).slabs(SLABS).cache(null)
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD)).leakDetection(LeakDetection.PARANOID);
    }

    @Test
    void theCacheCountersSayHowManySamplesWereCopiedAndHowManyDecodedAndTheGaugeItsSize(@TempDir Path cache)
            throws Exception {
        String topic = Datasets.synthetic(kafka, "metrics-cache", 300, 4, 16, 2).topic();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoaderMetrics metrics = new LoaderMetrics(registry);
        LoaderConfig cached = LoaderConfig.topic(topic).batchSize(BATCH).threads(2).cache(cache)
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD));
        long hits;
        long misses;
        try (SpriteLoader loader = SpriteLoader.open(cached.epochs(3).conclude(), kafka, manager, metrics.observers())) {
            loadAll(loader, registry);
            hits = loader.stats().cacheHits();
            misses = loader.stats().cacheMisses();
        }
        PrometheusText after = scrape(registry);

        assertEquals(hits, after.value("spritestream_cache_hits_total"));
        assertEquals(misses, after.value("spritestream_cache_misses_total"));
        assertEquals(3 * 300, hits + misses, "every sample either copied or decoded");
        assertTrue(misses >= 300 && hits >= 300, "one epoch at least decoded, one at least copied: " + hits + "/" + misses);
        long onDisk;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(cache)) {
            onDisk = files.filter(f -> f.toString().endsWith(".shard")).mapToLong(f -> f.toFile().length()).sum();
        }
        assertEquals(onDisk, after.value("spritestream_cache_bytes"), "the gauge shows the folder's shard bytes");
    }

    private static PrometheusText scrape(PrometheusMeterRegistry registry) {
        return PrometheusText.parse(registry.scrape());
    }

    /** Loads every batch, closing each at once; returns the scrape taken while the first batch was open. */
    private PrometheusText loadAll(SpriteLoader loader, PrometheusMeterRegistry registry) throws InterruptedException {
        PrometheusText whileOpen = null;
        for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
            try (SpriteBatch batch = next) {
                if (whileOpen == null) {
                    whileOpen = scrape(registry);
                }
            }
        }
        return whileOpen;
    }

    @Test
    void countersEqualTheKnownCountsAndPoolGaugesReturnToIdleAfterClose() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoaderMetrics metrics = new LoaderMetrics(registry);
        SpriteLoader loader = SpriteLoader.open(config().conclude(), kafka, manager, metrics.observers());
        PrometheusText whileOpen;
        try (loader) {
            whileOpen = loadAll(loader, registry);
        }
        PrometheusText after = scrape(registry);

        long batches = (long) EPOCHS * BATCHES_PER_EPOCH;
        assertEquals(EPOCHS * records, after.value("spritestream_records_read_total"));
        assertEquals(EPOCHS * valueBytes, after.value("spritestream_bytes_read_total"));
        assertEquals(EPOCHS * GOOD, after.value("spritestream_samples_delivered_total"));
        assertEquals(batches, after.value("spritestream_batches_delivered_total"));
        assertEquals(EPOCHS * 3, after.value("spritestream_dead_lettered_total", "reason", "empty"));
        assertEquals(EPOCHS * 2, after.value("spritestream_dead_lettered_total", "reason", "unsupported"));
        assertEquals(EPOCHS, after.value("spritestream_dead_lettered_total", "reason", "null_value"));
        assertEquals(EPOCHS * 2, after.value("spritestream_dead_lettered_total", "reason", "undecodable"));
        assertEquals(0, after.value("spritestream_dead_lettered_total", "reason", "too_large"));

        assertEquals(EPOCHS * records, after.value("spritestream_decode_seconds_count"), "every record decoded once");
        assertEquals(batches, after.value("spritestream_trainer_wait_seconds_count"), "one wait per batch");
        assertEquals(batches, after.value("spritestream_batch_assembly_seconds_count"));
        assertEquals(batches, after.value("spritestream_end_to_end_latency_seconds_count"));
        assertEquals(0, after.value("spritestream_device_copy_seconds_count"), "load copies nothing to a device");
        assertTrue(after.value("spritestream_decode_seconds_sum") > 0);
        assertTrue(after.value("spritestream_trainer_wait_seconds_sum") > 0);
        assertTrue(after.find("spritestream_decode_seconds_bucket").size() > 10, "decode times are a histogram");
        assertEquals(EPOCHS * records, after.value("spritestream_decode_seconds_bucket", "le", "+Inf"));
        assertEquals(batches, after.value("spritestream_batch_assembly_seconds_bucket", "le", "+Inf"));

        assertTrue(whileOpen.value("spritestream_pool_slabs", "state", "in_use") >= 1, "the open batch holds a slab");
        assertEquals(0, after.value("spritestream_pool_slabs", "state", "in_use"));
        assertEquals(SLABS, after.value("spritestream_pool_slabs", "state", "free"));
        assertEquals(loader.pool().bytes(), after.value("spritestream_pool_bytes"));
        assertEquals(0, after.value("spritestream_queue_depth", "stage", "decode"));
        assertEquals(0, after.value("spritestream_queue_depth", "stage", "assemble"));
        assertEquals(loader.pool().acquisitions(), after.value("spritestream_pool_wait_seconds_count"));
        assertEquals(EPOCHS - 1, after.value("spritestream_epoch"), "the last epoch, from 0");
        assertEquals(1.0, after.value("spritestream_epoch_progress_ratio"));
        assertFalse(after.has("kafka_consumer_fetch_manager_records_consumed_total"),
                "the closed consumer's meters are gone");
    }

    @Test
    void whileLoadingTheKafkaConsumerMetersAndEpochProgressAreServed() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoaderMetrics metrics = new LoaderMetrics(registry);
        try (SpriteLoader loader = SpriteLoader.open(config().epochs(1).conclude(), kafka, manager, metrics.observers())) {
            for (int i = 0; i < 2; i++) {
                loader.next().close();
            }
            PrometheusText during = scrape(registry);
            assertEquals(0, during.value("spritestream_epoch"));
            double progress = during.value("spritestream_epoch_progress_ratio");
            assertTrue(progress > 0 && progress < 1, "progress " + progress);
            assertTrue(during.has("kafka_consumer_fetch_manager_records_lag_max"), "consumer lag is served");
            assertTrue(during.find("kafka_consumer_fetch_manager_records_consumed_total").stream()
                    .anyMatch(s -> s.value() > 0), "the consumer's own counters are served");
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                next.close();
            }
        }
    }

    @Test
    void countersAddUpOverLoadersOpenedOneAfterAnother() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoaderMetrics metrics = new LoaderMetrics(registry);
        for (int run = 0; run < 2; run++) {
            try (SpriteLoader loader = SpriteLoader.open(config().epochs(1).conclude(), kafka, manager, metrics.observers())) {
                loadAll(loader, registry);
            }
        }
        PrometheusText after = scrape(registry);
        assertEquals(2 * records, after.value("spritestream_records_read_total"));
        assertEquals(2 * GOOD, after.value("spritestream_samples_delivered_total"));
        assertEquals(2 * BATCHES_PER_EPOCH, after.value("spritestream_batches_delivered_total"));
        assertEquals(2 * 3, after.value("spritestream_dead_lettered_total", "reason", "empty"));
        assertEquals(2 * BATCHES_PER_EPOCH, after.value("spritestream_trainer_wait_seconds_count"));
        assertEquals(SLABS, after.value("spritestream_pool_slabs", "state", "free"));
    }

    @Test
    void behindAStageOnAnotherThreadTheTrainingLoopsOwnWaitsAreCounted() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoaderMetrics metrics = new LoaderMetrics(registry);
        long reported = 0;
        int batches = 0;
        try (SpriteLoader loader = SpriteLoader.open(config().epochs(1).conclude(),
                kafka, manager, metrics.observers())) {
            // A stage between loader and training loop, as a device stage is: its thread calls next().
            java.util.concurrent.BlockingQueue<Object> stageToTrainer = new java.util.concurrent.ArrayBlockingQueue<>(1);
            Object end = new Object();
            Thread stage = new Thread(() -> {
                try {
                    for (SpriteBatch b = loader.nextForStage(); b != null; b = loader.nextForStage()) {
                        stageToTrainer.put(b);
                    }
                    stageToTrainer.put(end);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "test-stage");
            stage.start();
            while (true) {
                long began = System.nanoTime();
                Object item = stageToTrainer.poll(60, java.util.concurrent.TimeUnit.SECONDS);
                long waited = System.nanoTime() - began;
                org.junit.jupiter.api.Assertions.assertNotNull(item, "the stage hands on every batch");
                if (item == end) {
                    break;
                }
                loader.trainerWaited(waited);
                reported += waited;
                batches++;
                ((SpriteBatch) item).close();
            }
            stage.join();
        }
        PrometheusText after = scrape(registry);
        assertEquals(BATCHES_PER_EPOCH, batches);
        assertEquals(batches, after.value("spritestream_trainer_wait_seconds_count"), "the loop's waits, not next()'s");
        assertEquals(reported / 1e9, after.value("spritestream_trainer_wait_seconds_sum"), 1e-6);
        assertEquals(batches, after.value("spritestream_batch_assembly_seconds_count"));
    }

    @Test
    void deviceCopiesReportedByTheDeviceStageAreTimed() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LoaderMetrics metrics = new LoaderMetrics(registry);
        try (SpriteLoader loader = SpriteLoader.open(config().epochs(1).maxBatches(1).conclude(), kafka, manager,
                metrics)) {
            try (SpriteBatch batch = loader.next()) {
                long began = System.nanoTime();
                try (ai.djl.ndarray.NDManager copies = manager.newSubManager()) {
                    batch.detach(copies);
                }
                loader.listener().copiedToDevice(System.nanoTime() - began);
            }
        }
        PrometheusText after = scrape(registry);
        assertEquals(1, after.value("spritestream_device_copy_seconds_count"));
        assertTrue(after.value("spritestream_device_copy_seconds_sum") > 0);
    }
}
