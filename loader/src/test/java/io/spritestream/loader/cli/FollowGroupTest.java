package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.testing.LoaderProcess;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.source.SyntheticSprites;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code load --follow}: two members of one group, one killed with SIGKILL. At-least-once allows the
 * survivor to deliver again what the dead member had not committed, once; it must never deliver a
 * record of its own twice.
 */
@ExtendWith(SharedKafka.class)
class FollowGroupTest {

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "no " + what + " within 120 s");
            Thread.sleep(100); // polling another process's progress through the broker
        }
    }

    private static long committed(Admin admin, String group) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(10, TimeUnit.SECONDS);
            return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
        } catch (Exception e) {
            return 0;
        }
    }

    @Test
    void aSurvivingMemberNeverDeliversItsOwnRecordsTwiceWhenTheOtherIsKilled(EmbeddedKafka broker, @TempDir Path dir)
            throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        String topic = "sprites.follow-kill";
        String group = "follow-kill-group";
        int records = 6000;
        // A live stream throughout: 6000 records at 300/s over 4 partitions.
        java.util.concurrent.CompletableFuture<Void> live = java.util.concurrent.CompletableFuture.runAsync(() -> {
            try {
                new SpriteProducer(kafka).produce(new SyntheticSprites(records, 4, 16, 1),
                        new ProduceRequest("follow-kill", null, 4, 300), n -> { });
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        Path export = dir.resolve("survivor");
        try (Admin admin = kafka.newAdmin("follow-test")) {
            await(() -> topicExists(admin, topic), "the topic");
            String[] follow = {"load", "--bootstrap", broker.bootstrapServers(), "--topic", topic, "--follow",
                    "--group", group, "--size", "16", "--batch", "32", "--threads", "1", "--quiet"};
            Process survivor = LoaderProcess.start(dir.resolve("a.log"),
                    LoaderProcess.concat(follow, "--export-npy", export.toString()));
            Process victim = null;
            try {
                await(() -> committed(admin, group) >= 900, "900 records committed by the first member");
                victim = LoaderProcess.start(dir.resolve("b.log"), follow); // takes half the partitions from the first
                await(() -> membersWithPartitions(admin, group) == 2, "the second member holding partitions");

                victim.destroyForcibly(); // SIGKILL: its partitions come back to the survivor after its session
                assertTrue(victim.waitFor(30, TimeUnit.SECONDS));
                live.get(120, TimeUnit.SECONDS);
                await(() -> committed(admin, group) >= records - 4 * 32, "the survivor catching up to the end");

                LoaderProcess.signal(survivor, "TERM");
                assertTrue(survivor.waitFor(60, TimeUnit.SECONDS), Files.readString(dir.resolve("a.log")));
            } finally {
                survivor.destroyForcibly();
                if (victim != null) {
                    victim.destroyForcibly();
                }
            }
        }
        List<String> delivered = Files.readAllLines(export.resolve("offsets.txt"));
        Map<String, Integer> times = new HashMap<>();
        delivered.forEach(o -> times.merge(o, 1, Integer::sum));
        long twice = times.values().stream().filter(n -> n > 1).count();
        System.out.println("follow-kill: the survivor delivered " + delivered.size() + " records, " + times.size()
                + " distinct, " + twice + " of them twice");
        assertEquals(0, twice, "records the survivor delivered twice");
    }

    private static boolean topicExists(Admin admin, String topic) {
        try {
            return admin.listTopics().names().get(10, TimeUnit.SECONDS).contains(topic);
        } catch (Exception e) {
            return false;
        }
    }

    private static long membersWithPartitions(Admin admin, String group) {
        try {
            return admin.describeConsumerGroups(List.of(group)).all().get(10, TimeUnit.SECONDS).get(group)
                    .members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty()).count();
        } catch (Exception e) {
            return 0;
        }
    }
}
