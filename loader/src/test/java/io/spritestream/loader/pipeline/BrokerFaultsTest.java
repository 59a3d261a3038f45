package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.kafka.KafkaUnreachableException;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Remainder;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.ProduceResult;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.source.SyntheticSprites;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A broker that goes away mid-run: each test starts and stops its own, on a data folder it keeps. */
class BrokerFaultsTest {

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static LoaderConfig slowReading(String dataset, Path state) {
        // A small read window and a small pool, so the loader must go back to Kafka all along the epoch.
        return LoaderConfig.dataset(DatasetRef.parse(dataset)).batchSize(16).threads(2).slabs(2).readAheadRecords(32)
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD)).order(new OrderSpec(5, true, 32, 16, Remainder.DROP))
                .saveState(state);
    }

    @Test
    void theLoaderWaitsForARestartedBrokerAndFinishesTheEpochExactlyOnce(@TempDir Path dir) throws Exception {
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            int port = freePort();
            Path data = dir.resolve("kafka");
            EmbeddedKafka broker = EmbeddedKafka.builder().port(port).dataDir(data).start();
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers()).withTimeout(Duration.ofSeconds(60));
            Datasets.synthetic(kafka, "outage", 800, 4, 16, 2);
            List<String> notices = new CopyOnWriteArrayList<>();
            List<String> keys = new CopyOnWriteArrayList<>();
            EmbeddedKafka[] current = {broker};
            // Another hand takes the broker away once a fifth of the epoch is delivered, and brings it
            // back once the loader says it is waiting; the training loop keeps asking for batches.
            CompletableFuture<Void> outage = CompletableFuture.runAsync(() -> {
                awaitTrue(() -> keys.size() >= 160, "160 samples delivered");
                current[0].close();
                awaitTrue(() -> notices.stream().anyMatch(n -> n.startsWith("waiting for Kafka")), "a waiting notice");
                current[0] = EmbeddedKafka.builder().port(port).dataDir(data).start();
            });
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                 SpriteLoader loader = SpriteLoader.open(slowReading("outage", dir.resolve("state.json")).conclude(),
                         kafka, manager, RunObservers.NONE.withNotices(notices::add))) {
                for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                    try (SpriteBatch batch = next) {
                        for (int i = 0; i < batch.size(); i++) {
                            keys.add(batch.key(i));
                        }
                    }
                }
                outage.get();
                assertEquals(800, keys.size());
                assertEquals(800, new HashSet<>(keys).size(), "every sample exactly once");
                assertTrue(notices.stream().anyMatch(n -> n.startsWith("Kafka answers again")), notices.toString());
                assertEquals(0, loader.stats().rejectedTotal());
            } finally {
                outage.join();
                current[0].close();
            }
        });
    }

    @Test
    void aBrokerThatNeverReturnsEndsTheRunWithOneLineAndAValidState(@TempDir Path dir) throws Exception {
        assertTimeoutPreemptively(Duration.ofMinutes(2), () -> {
            EmbeddedKafka broker = EmbeddedKafka.builder().port(freePort()).dataDir(dir.resolve("kafka")).start();
            KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers()).withTimeout(Duration.ofSeconds(3));
            Datasets.synthetic(kafka, "gone", 800, 4, 16, 2);
            Path state = dir.resolve("state.json");
            int delivered = 0;
            try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                 SpriteLoader loader = SpriteLoader.open(slowReading("gone", state).conclude(), kafka, manager,
                         RunObservers.NONE.withNotices(n -> { }))) {
                try (SpriteBatch first = loader.next()) {
                    delivered += first.size();
                }
                broker.close();
                KafkaUnreachableException e = assertThrows(KafkaUnreachableException.class, () -> {
                    for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                        next.close();
                    }
                });
                assertTrue(e.getMessage().startsWith("gave up after 3 s without records from sprites.gone"), e.getMessage());
                assertFalse(e.getMessage().contains("\n"));
                delivered = (int) loader.stats().samplesDelivered();
            } finally {
                broker.close();
            }
            LoaderState saved = LoaderState.read(state);
            assertEquals(delivered, saved.position(), "the state is whole and matches what was handed out");
        });
    }

    @Test
    void theProducerNeitherLosesNorDuplicatesAcrossABrokerRestart(@TempDir Path dir) throws Exception {
        assertTimeoutPreemptively(Duration.ofMinutes(3), () -> {
            int port = freePort();
            Path data = dir.resolve("kafka");
            EmbeddedKafka[] broker = {EmbeddedKafka.builder().port(port).dataDir(data).start()};
            KafkaSettings kafka = KafkaSettings.of(broker[0].bootstrapServers()).withTimeout(Duration.ofSeconds(60));
            int count = 600;
            CompletableFuture<ProduceResult> produced = new CompletableFuture<>();
            List<Long> acked = new CopyOnWriteArrayList<>();
            Thread producer = new Thread(() -> {
                try {
                    produced.complete(new SpriteProducer(kafka).produce(new SyntheticSprites(count, 3, 16, 1),
                            new ProduceRequest("restart", null, 2, 300), acked::add));
                } catch (Throwable t) {
                    produced.completeExceptionally(t);
                }
            });
            producer.start();
            awaitTrue(() -> acked.size() >= 100, "100 records acknowledged");
            broker[0].close();
            broker[0] = EmbeddedKafka.builder().port(port).dataDir(data).start();
            ProduceResult result = produced.get();
            try {
                assertEquals(count, result.records());
                assertEquals(count, result.manifest().rangeSize(), "exactly the records sent: no duplicates");
                List<String> keys = new ArrayList<>();
                try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
                     SpriteLoader loader = SpriteLoader.open(LoaderConfig.dataset(DatasetRef.parse("restart"))
                             .batchSize(64).pixels(new PixelSpec(16, 16, 4, Fit.PAD)), kafka, manager)) {
                    for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                        try (SpriteBatch batch = next) {
                            for (int i = 0; i < batch.size(); i++) {
                                keys.add(batch.key(i));
                            }
                        }
                    }
                }
                assertEquals(count, keys.size());
                assertEquals(count, new HashSet<>(keys).size(), "each sprite once");
            } finally {
                broker[0].close();
            }
        });
    }

    @Test
    void theProducerGivesUpWithinItsTimeoutWhenTheBrokerStaysDownAndSaysItIsWaiting(@TempDir Path dir)
            throws Exception {
        int port = freePort();
        EmbeddedKafka broker = EmbeddedKafka.builder().port(port).dataDir(dir.resolve("kafka")).start();
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers()).withTimeout(Duration.ofSeconds(8));
        List<String> notices = new CopyOnWriteArrayList<>();
        List<Long> acked = new CopyOnWriteArrayList<>();
        CompletableFuture<ProduceResult> produced = new CompletableFuture<>();
        Thread producer = new Thread(() -> {
            try {
                produced.complete(new SpriteProducer(kafka).withNotices(notices::add).produce(
                        new SyntheticSprites(4000, 3, 16, 1), new ProduceRequest("gone", null, 2, 200), acked::add));
            } catch (Throwable t) {
                produced.completeExceptionally(t);
            }
        });
        producer.start();
        awaitTrue(() -> acked.size() >= 100, "100 records acknowledged");

        broker.close(); // for good

        // Before, each of the ~3900 records left waited out the timeout on its own: hours.
        java.util.concurrent.ExecutionException failed = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> produced.get(90, java.util.concurrent.TimeUnit.SECONDS));
        String reason = failed.getCause().getMessage();
        assertTrue(failed.getCause() instanceof io.spritestream.producer.ProduceException, failed.getCause().toString());
        assertTrue(reason.startsWith("gave up"), reason);
        assertTrue(reason.matches(".*\\(\\d+ of \\d+ records acknowledged.*"), reason);
        assertTrue(reason.contains("no dataset version was recorded"), reason);
        assertTrue(notices.stream().anyMatch(n -> n.startsWith("produce: waiting for Kafka at 127.0.0.1:" + port
                + ": no acknowledgement for ")), "it said it was waiting: " + notices);
        producer.join(10_000);
        assertFalse(producer.isAlive());

        // The broker back: the unfinished run's records are listed, and --resume finishes the job.
        EmbeddedKafka back = EmbeddedKafka.builder().port(port).dataDir(dir.resolve("kafka")).start();
        try (org.apache.kafka.clients.admin.Admin admin = kafka.newAdmin("faults-test")) {
            List<io.spritestream.catalog.Unrecorded> left = io.spritestream.catalog.Unrecorded.find(kafka, admin,
                    new io.spritestream.catalog.DatasetCatalog(kafka).list());
            assertEquals(1, left.size(), left.toString());
            assertEquals("sprites.gone", left.get(0).topic());
            long kept = left.get(0).count();
            assertTrue(kept >= acked.size(), kept + " records left, " + acked.size() + " acknowledged");

            List<String> said = new CopyOnWriteArrayList<>();
            ProduceResult resumed = new SpriteProducer(kafka).withNotices(said::add).produce(
                    new SyntheticSprites(4000, 3, 16, 1), new ProduceRequest("gone", null, 2, 0).resuming(), n -> { });

            assertEquals(4000 - kept, resumed.records(), "only what the unfinished run had not written: " + said);
            assertEquals(4000, resumed.manifest().count());
            assertEquals(4000, resumed.manifest().rangeSize(), "the version holds the kept records and the rest");
            assertTrue(said.contains("resume: keeping the " + kept + " records an unfinished run left on sprites.gone; "
                    + "sprites with their keys (" + kept + ") are not sent again"), said.toString());
            assertEquals(List.of(), io.spritestream.catalog.Unrecorded.find(kafka, admin,
                    new io.spritestream.catalog.DatasetCatalog(kafka).list()), "nothing left outside a version");
        } finally {
            back.close();
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.onSpinWait();
        }
    }
}
