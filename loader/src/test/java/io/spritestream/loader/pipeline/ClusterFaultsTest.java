package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafkaCluster;
import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.TestPng;
import io.spritestream.producer.ProduceException;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.ProduceResult;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.source.SyntheticSprites;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Faults only a cluster has: a real 3-node KRaft cluster in this JVM (replication factor 3,
 * {@code min.insync.replicas=2}), started once for the class. Leaders are lost mid-load and
 * mid-produce (one node down: nothing lost, nothing repeated), two nodes are lost (below the
 * minimum in-sync replicas: the producer says it waits and gives up without a version), and
 * dead-letter topics get the cluster's replication factor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterFaultsTest {

    private EmbeddedKafkaCluster cluster;
    private KafkaSettings kafka;

    @BeforeAll
    void startCluster() {
        cluster = EmbeddedKafkaCluster.start(3);
        kafka = KafkaSettings.of(cluster.bootstrapServers()).withTimeout(Duration.ofSeconds(30));
    }

    @AfterAll
    void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private int leaderOf(String topic, int partition) throws Exception {
        try (Admin admin = kafka.newAdmin("cluster-test")) {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                    .get(topic);
            return d.partitions().get(partition).leader().id();
        }
    }

    private short replicasOf(String topic) throws Exception {
        try (Admin admin = kafka.newAdmin("cluster-test")) {
            return (short) admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().get(0).replicas().size();
        }
    }

    private List<String> loadKeys(String dataset, Runnable afterTenBatches) throws Exception {
        return loadKeys(kafka, dataset, afterTenBatches);
    }

    /** Every key of {@code dataset}, as the loader delivers them; {@code afterTenBatches} runs after the tenth batch. */
    private static List<String> loadKeys(KafkaSettings kafka, String dataset, Runnable afterTenBatches)
            throws Exception {
        List<String> keys = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(LoaderConfig.dataset(DatasetRef.parse(dataset)).batchSize(64)
                     .pixels(new PixelSpec(16, 16, 4, Fit.PAD)), kafka, manager)) {
            int batches = 0;
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    for (int i = 0; i < batch.size(); i++) {
                        keys.add(batch.key(i));
                    }
                }
                if (++batches == 10) {
                    afterTenBatches.run();
                }
            }
        }
        return keys;
    }

    private static String outcome(CompletableFuture<ProduceResult> produced) {
        try {
            return String.valueOf(produced.getNow(null));
        } catch (java.util.concurrent.CompletionException e) {
            return String.valueOf(e.getCause());
        }
    }

    /**
     * Brings nodes {@code ids} back and waits until the cluster serves again: every node in it, and
     * every partition led with at least {@code min.insync.replicas} replicas in sync, so the next
     * test starts from a cluster that takes writes.
     */
    private void restart(List<Integer> ids) {
        ids.forEach(cluster::restart);
        try (Admin admin = kafka.newAdmin("cluster-test-health")) {
            awaitTrue(() -> healthy(admin), "the cluster serving again after nodes " + ids + " came back");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private boolean healthy(Admin admin) {
        try {
            if (admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).size() != cluster.size()) {
                return false;
            }
            var names = admin.listTopics(new org.apache.kafka.clients.admin.ListTopicsOptions().listInternal(true))
                    .names().get(10, TimeUnit.SECONDS);
            return admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS).values().stream()
                    .flatMap(t -> t.partitions().stream())
                    .allMatch(p -> p.leader() != null && p.isr().size() >= Math.min(2, p.replicas().size()));
        } catch (Exception e) {
            return false;
        }
    }

    /** {@code producer} producing {@code sprites} on another thread, each acknowledgement count added to {@code acked}. */
    private static CompletableFuture<ProduceResult> producing(SpriteProducer producer, SyntheticSprites sprites,
                                                             ProduceRequest request, List<Long> acked) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return producer.produce(sprites, request, acked::add);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            Thread.sleep(20); // another thread's progress
        }
    }

    @Test
    @Order(1)
    void topicsAndTheCatalogAreCreatedWithReplicationFactorThree() throws Exception {
        ProduceResult made = new SpriteProducer(kafka).produce(new SyntheticSprites(100, 2, 16, 1),
                ProduceRequest.of("cluster-rf"), n -> { });

        assertEquals(3, replicasOf(made.manifest().topic()));
        assertEquals(3, replicasOf("spritestream.catalog"));
    }

    @Test
    @Order(2)
    void aLeaderLostMidLoadLosesNothingAndRepeatsNothing() throws Exception {
        int count = 3000;
        new SpriteProducer(kafka).produce(new SyntheticSprites(count, 4, 16, 2), ProduceRequest.of("cluster-load"),
                n -> { });
        int leader = leaderOf("sprites.cluster-load", 0);
        try {
            List<String> keys = loadKeys("cluster-load", () -> cluster.stop(leader));

            assertEquals(count, keys.size(), "every record once: none lost");
            assertEquals(count, new HashSet<>(keys).size(), "none repeated");
        } finally {
            restart(List.of(leader));
        }
    }

    @Test
    @Order(3)
    void leadersLostMidProduceIncludingTheCatalogsLoseNothingAndRepeatNothing() throws Exception {
        int count = 3000;
        List<Long> acked = new CopyOnWriteArrayList<>();
        int catalogLeader = leaderOf("spritestream.catalog", 0);
        CompletableFuture<ProduceResult> produced = producing(new SpriteProducer(kafka),
                new SyntheticSprites(count, 4, 16, 3), new ProduceRequest("cluster-produce", null, 4, 600), acked);
        awaitTrue(() -> acked.size() >= 500 || produced.isDone(), "500 records acknowledged");
        assertTrue(acked.size() >= 500, () -> "the produce ended first: " + outcome(produced));
        cluster.stop(catalogLeader); // leads the catalog's partition and some of the dataset's
        try {
            ProduceResult result = produced.get(180, TimeUnit.SECONDS);

            assertEquals(count, result.records());
            assertEquals(count, result.manifest().rangeSize(), "the version holds exactly the records sent");
            assertEquals(result.manifest(), new DatasetCatalog(kafka).resolve(DatasetRef.parse("cluster-produce")),
                    "published while the catalog's leader was gone");
            List<String> keys = loadKeys("cluster-produce", () -> { });
            assertEquals(count, new HashSet<>(keys).size());
            assertEquals(count, keys.size());
        } finally {
            restart(List.of(catalogLeader));
        }
    }

    @Test
    @Order(4)
    void deadLetterTopicsGetTheClustersReplicationFactor() throws Exception {
        byte[] png = TestPng.random(TestPng.Kind.RGBA, 16, 16, 8, false, 2).encode();
        Datasets.writeTopic(kafka, "sprites.cluster-bad", Datasets.list(new Datasets.Raw("good", "x", png),
                new Datasets.Raw("bad", "x", new byte[] {1, 2, 3})));
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(LoaderConfig.topic("sprites.cluster-bad").batchSize(8)
                     .pixels(new PixelSpec(16, 16, 4, Fit.PAD)), kafka, manager)) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                next.close();
            }
            assertEquals(1, loader.report().deadLettered());
        }

        assertEquals(3, replicasOf("sprites.cluster-bad.dlq"));
    }

    @Test
    @Order(5)
    void withTwoNodesDownTheLoaderReadsWhatTheRemainingNodeLeads() throws Exception {
        int count = 1000;
        new SpriteProducer(kafka).produce(new SyntheticSprites(count, 4, 16, 5), ProduceRequest.of("cluster-two-down"),
                n -> { });
        List<Integer> stopped = new ArrayList<>(cluster.running().subList(0, 2));
        stopped.forEach(cluster::stop); // one at a time: each hands its leaderships to the nodes still up
        try {
            KafkaSettings remaining = KafkaSettings.of(cluster.bootstrapServers()).withTimeout(Duration.ofSeconds(20));
            List<String> keys = loadKeys(remaining, "cluster-two-down", () -> { });

            assertEquals(count, keys.size());
            assertEquals(count, new HashSet<>(keys).size());
        } finally {
            restart(stopped);
        }
    }

    @Test
    @Order(6)
    void belowTheMinimumInSyncReplicasTheProducerSaysItWaitsAndGivesUpWithoutAVersion() throws Exception {
        KafkaSettings impatient = kafka.withTimeout(Duration.ofSeconds(8));
        List<Long> acked = new CopyOnWriteArrayList<>();
        List<String> said = new CopyOnWriteArrayList<>();
        CompletableFuture<ProduceResult> produced = producing(new SpriteProducer(impatient).withNotices(said::add),
                new SyntheticSprites(3000, 4, 16, 4), new ProduceRequest("cluster-minisr", null, 4, 300), acked);
        awaitTrue(() -> acked.size() >= 200 || produced.isDone(), "200 records acknowledged");
        assertTrue(acked.size() >= 200, () -> "the produce ended first: " + outcome(produced));
        List<Integer> stopped = new ArrayList<>(cluster.running().subList(0, 2));
        stopped.forEach(cluster::stop);
        try {
            ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> produced.get(120, TimeUnit.SECONDS));

            Throwable cause = failed.getCause();
            assertTrue(cause instanceof ProduceException, String.valueOf(cause));
            assertTrue(cause.getMessage().startsWith("gave up"), cause.getMessage());
            assertTrue(cause.getMessage().contains("no dataset version was recorded"), cause.getMessage());
            assertTrue(said.stream().anyMatch(l -> l.startsWith("produce: waiting for Kafka at ")), said.toString());
        } finally {
            restart(stopped);
        }
        assertTrue(new DatasetCatalog(kafka).list().stream().noneMatch(m -> m.dataset().equals("cluster-minisr")),
                "no version recorded");
    }
}
