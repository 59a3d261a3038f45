package io.spritestream.producer;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.record.SpriteRecords;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The right to write one dataset, or one topic, held by one {@code produce} at a time, so that a
 * version's offset ranges hold exactly the records of the run that made it and no two runs claim
 * the same version number.
 *
 * <p>Kafka has no lock, but its consumer groups elect: every run joins the group
 * {@code spritestream-produce.<what>} subscribed to the one partition of the catalog topic, and the
 * member assigned that partition holds the lease. The sticky assignor keeps it with its holder when
 * another run joins, so the newcomer finds itself without it and is refused, naming the holder
 * (its client id and host, from the group's description). The lease ends when its holder closes it
 * or, if the holder dies, when the group's session times out ({@link #SESSION_TIMEOUT}). A thread of
 * its own ({@code spritestream-produce-lease}) keeps the membership alive while the lease is held,
 * and a lease that is lost (a holder stalled past the session timeout) says so: the run must not
 * record a version then.
 */
public final class ProduceLease implements AutoCloseable {

    /** How long a dead holder keeps the lease. */
    public static final Duration SESSION_TIMEOUT = Duration.ofSeconds(10);

    private static final TopicPartition CATALOG = new TopicPartition(SpriteRecords.CATALOG_TOPIC, 0);

    private final String what;
    private final CompletableFuture<Boolean> granted = new CompletableFuture<>();
    private final Thread thread;
    private volatile boolean closing;
    private volatile KafkaConsumer<byte[], byte[]> member;
    private volatile boolean lost;

    private ProduceLease(KafkaSettings kafka, String what) {
        this.what = what;
        Map<String, Object> config = kafka.consumer(clientId());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupOf(what));
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) SESSION_TIMEOUT.toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
        this.thread = new Thread(() -> hold(config), "spritestream-produce-lease");
        thread.setDaemon(true);
    }

    /** The consumer group that elects the writer of {@code what} (e.g. {@code dataset.demo}). */
    static String groupOf(String what) {
        return "spritestream-produce." + what;
    }

    private static String clientId() {
        return "spritestream-producer-" + ManagementFactory.getRuntimeMXBean().getName().replace('@', '-');
    }

    /**
     * Takes the lease on {@code what} ({@code dataset.NAME} or {@code topic.NAME}).
     *
     * @throws ProduceException naming the holder if another run holds it, or if the group could not
     *                          be joined within the client timeout
     */
    public static ProduceLease acquire(KafkaSettings kafka, Admin admin, String what, String described) {
        ProduceLease lease = new ProduceLease(kafka, what);
        lease.thread.start();
        boolean held;
        try {
            held = lease.granted.get(kafka.timeout().toMillis() + SESSION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            lease.close();
            throw new ProduceException("could not join the group that elects the writer of " + described + " within "
                    + kafka.timeout().toSeconds() + " s (no version was recorded)", e);
        } catch (ExecutionException e) {
            lease.close();
            throw new ProduceException("could not take the lease on " + described + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lease.close();
            throw new ProduceException("interrupted while taking the lease on " + described, e);
        }
        if (!held) {
            String holder = holder(admin, groupOf(what)).orElse("another run");
            lease.close();
            throw new ProduceException("another produce is writing " + described + " (" + holder + "): one run at a "
                    + "time, so that each version holds exactly its own records; wait for it to finish (a killed "
                    + "run's hold lapses within " + SESSION_TIMEOUT.toSeconds() + " s). No record was sent.", null);
        }
        return lease;
    }

    private void hold(Map<String, Object> config) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            member = consumer;
            consumer.subscribe(List.of(SpriteRecords.CATALOG_TOPIC), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    if (!granted.isDone()) {
                        granted.complete(consumer.assignment().contains(CATALOG) || partitions.contains(CATALOG));
                    }
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    if (granted.getNow(false) && partitions.contains(CATALOG) && !closing) {
                        lost = true;
                    }
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    if (granted.getNow(false) && partitions.contains(CATALOG) && !closing) {
                        lost = true;
                    }
                }
            });
            while (!closing) {
                try {
                    consumer.poll(Duration.ofMillis(500)); // keeps the membership; the records are not read
                } catch (org.apache.kafka.common.errors.WakeupException closed) {
                    break; // close() woke it: leave the group now
                }
                if (granted.isDone() && !granted.getNow(false)) {
                    return; // not the holder: leave the group at once
                }
            }
        } catch (RuntimeException e) {
            if (!granted.completeExceptionally(e) && !closing) {
                lost = true;
            }
        }
    }

    /** Whether the lease was lost while held (then no version may be recorded). */
    public boolean lost() {
        return lost;
    }

    /** What the lease is on, e.g. {@code dataset.demo}. */
    public String what() {
        return what;
    }

    private static Optional<String> holder(Admin admin, String group) {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all()
                    .get(10, TimeUnit.SECONDS).get(group);
            for (MemberDescription member : description.members()) {
                if (member.assignment().topicPartitions().contains(CATALOG)) {
                    return Optional.of(member.clientId() + " on " + member.host().replaceFirst("^/", ""));
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /** Gives the lease up: the group forgets this member at once. */
    @Override
    public void close() {
        closing = true;
        KafkaConsumer<byte[], byte[]> consumer = member;
        if (consumer != null) {
            consumer.wakeup();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
