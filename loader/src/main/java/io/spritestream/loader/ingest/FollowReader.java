package io.spritestream.loader.ingest;

import io.spritestream.kafka.KafkaSettings;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

/**
 * A live tail of a topic through a consumer group ({@code --follow}): partitions are shared among
 * the group's members incrementally (a member keeps its other partitions while one moves), by the
 * protocol its {@link GroupMembership} names, and offsets are committed only up to records whose batches were
 * closed (or that were dead-lettered). That is at-least-once: after a crash or a partition moving,
 * records in batches that were handed out but not closed are delivered again, by the member that
 * takes the partition over.
 *
 * <p>A member never delivers its own records twice: when a partition it gave up comes back (the
 * member it went to died before committing past what this one had read), the records this member
 * had already read are skipped, and what it still holds of them keeps the commit behind until
 * their batches are closed.
 *
 * <p>The consumer is confined to the thread that calls {@link #poll} and {@link #keepAlive};
 * {@link #done} and {@link #wakeup} may be called from any thread.
 */
public final class FollowReader implements AutoCloseable {

    /** The longest a poll waits for records (the caller may ask for less). */
    public static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<ByteBuffer, ByteBuffer> consumer;
    private final Map<TopicPartition, TreeSet<Long>> inFlight = new HashMap<>();
    private final Map<TopicPartition, Long> nextRead = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();
    private final ConcurrentLinkedQueue<long[]> doneQueue = new ConcurrentLinkedQueue<>();
    private final String topic;
    private long skipped;

    public FollowReader(KafkaSettings kafka, String topic, String group, GroupMembership membership) {
        Map<String, Object> config = kafka.consumer("spritestream-follower");
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        membership.addTo(config);
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2000);
        this.consumer = new KafkaConsumer<>(config, new ByteBufferDeserializer(), new ByteBufferDeserializer());
        this.topic = topic;
        consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commit(true);
                partitions.forEach(committed::remove);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                partitions.forEach(committed::remove);
            }
        });
    }

    /** {@link #poll(Duration)} waiting up to {@link #POLL}. */
    public List<ConsumerRecord<ByteBuffer, ByteBuffer>> poll() throws InterruptedException {
        return poll(POLL);
    }

    /**
     * The next records (possibly none, after at most {@code timeout}), after committing what has
     * been done; records this member read before (of a partition that came back to it) are left out.
     */
    public List<ConsumerRecord<ByteBuffer, ByteBuffer>> poll(Duration timeout) throws InterruptedException {
        applyDone();
        commit(false);
        ConsumerRecords<ByteBuffer, ByteBuffer> records;
        try {
            records = consumer.poll(timeout);
        } catch (WakeupException | InterruptException e) {
            throw new InterruptedException("follow interrupted");
        }
        List<ConsumerRecord<ByteBuffer, ByteBuffer>> fresh = new java.util.ArrayList<>(records.count());
        for (ConsumerRecord<ByteBuffer, ByteBuffer> r : records) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            Long readUpTo = nextRead.get(tp);
            if (readUpTo != null && r.offset() < readUpTo) {
                skipped++; // read (and delivered, or still held) by this member before the partition moved away
                continue;
            }
            inFlight.computeIfAbsent(tp, k -> new TreeSet<>()).add(r.offset());
            nextRead.merge(tp, r.offset() + 1, Math::max);
            fresh.add(r);
        }
        return fresh;
    }

    /** Records left out because this member had read them before (see the class comment). */
    public long skipped() {
        return skipped;
    }

    /**
     * Keeps the group membership alive while the loader cannot take records (no free slab): polls
     * with every partition paused, and commits what was done meanwhile.
     */
    public void keepAlive() throws InterruptedException {
        var assigned = consumer.assignment();
        consumer.pause(assigned);
        try {
            applyDone();
            commit(false);
            consumer.poll(Duration.ZERO);
        } catch (WakeupException | InterruptException e) {
            throw new InterruptedException("follow interrupted");
        } finally {
            consumer.resume(assigned);
        }
    }

    /** The record at (partition, offset) is done with: its batch was closed, or it was dead-lettered. Any thread. */
    public void done(int partition, long offset) {
        doneQueue.add(new long[] {partition, offset});
    }

    private void applyDone() {
        for (long[] d = doneQueue.poll(); d != null; d = doneQueue.poll()) {
            TreeSet<Long> offsets = inFlight.get(new TopicPartition(topic, (int) d[0]));
            if (offsets != null) {
                offsets.remove(d[1]);
            }
        }
    }

    /**
     * Commits, per partition this member has, the first offset not yet done (or the next to read if
     * all are). Partitions it gave up keep their reading state, for when they come back.
     */
    private void commit(boolean sync) {
        applyDone();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        java.util.Set<TopicPartition> assigned = consumer.assignment();
        for (Map.Entry<TopicPartition, Long> e : nextRead.entrySet()) {
            if (!assigned.contains(e.getKey())) {
                continue;
            }
            TreeSet<Long> pending = inFlight.get(e.getKey());
            long upTo = pending == null || pending.isEmpty() ? e.getValue() : pending.first();
            if (!Long.valueOf(upTo).equals(committed.get(e.getKey()))) {
                offsets.put(e.getKey(), new OffsetAndMetadata(upTo));
                committed.put(e.getKey(), upTo);
            }
        }
        if (offsets.isEmpty()) {
            return;
        }
        if (sync) {
            consumer.commitSync(offsets);
        } else {
            consumer.commitAsync(offsets, this::retryIfFailed);
        }
    }

    /**
     * A commit that failed (e.g. while the group rebalances, which the classic protocol's members
     * wait out together) is sent again by the next poll, unless a later one went meanwhile. Called
     * on the polling thread, inside the consumer's poll or commit.
     */
    private void retryIfFailed(Map<TopicPartition, OffsetAndMetadata> offsets, Exception failure) {
        if (failure != null) {
            offsets.forEach((tp, sent) -> committed.remove(tp, sent.offset()));
        }
    }

    public void wakeup() {
        consumer.wakeup();
    }

    /** Commits what is done and leaves the group. Same thread as {@link #poll}. */
    /**
     * The consumer, for metric binders only: its {@code metrics()} may be read from any thread;
     * nothing else may be called on it.
     */
    public org.apache.kafka.clients.consumer.Consumer<?, ?> consumerForMetrics() {
        return consumer;
    }

    @Override
    public void close() {
        try {
            commit(true);
        } catch (RuntimeException e) {
            // Leaving the group still matters; the uncommitted records are delivered again (at-least-once).
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
