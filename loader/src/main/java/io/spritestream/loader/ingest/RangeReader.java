package io.spritestream.loader.ingest;

import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.kafka.KafkaUnreachableException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteBufferDeserializer;

/**
 * Reads a {@link ReadPlan} from one topic and hands its records to a sink in plan order: block by
 * block, offsets ascending within a block. Several blocks are fetched at once (a window bounded by
 * a record count); a partition is fetched only while it has a block in the window, and it is
 * seeked only when the next block of it does not start where it stands.
 *
 * <p>Values and keys are views of Kafka's fetch buffers ({@link ByteBufferDeserializer}: no copy);
 * holding one pins its fetch response, so the sink should let go of them once used.
 *
 * <p>The consumer is confined to the thread that calls {@link #read}; only {@link #wakeup()} may be
 * called from another thread.
 */
public final class RangeReader implements AutoCloseable {

    /** Receives records in plan order; may block (that is how backpressure stops fetching). */
    @FunctionalInterface
    public interface Sink {
        void accept(ConsumerRecord<ByteBuffer, ByteBuffer> record) throws InterruptedException;

        /** Every record of {@code block} that exists has been handed over (offsets may have gaps). */
        default void endBlock(OffsetRange block) throws InterruptedException {
        }

        /**
         * Asked when {@code block} is about to be fetched: true if the sink has its records from
         * elsewhere by now (the decoded-sample cache), so it is not fetched.
         */
        default boolean servedElsewhere(OffsetRange block) throws InterruptedException {
            return false;
        }
    }

    private static final Duration POLL = Duration.ofMillis(100);

    private final KafkaConsumer<ByteBuffer, ByteBuffer> consumer;
    private final String topic;
    private final int maxBufferedRecords;
    private final Duration stallTimeout;
    private static final long NOTICE_AFTER_NANOS = 2_000_000_000L;
    private static final long NOTICE_EVERY_NANOS = 10_000_000_000L;

    private java.util.function.Consumer<String> notices = message -> { };
    private final AtomicLong recordsRead = new AtomicLong();
    private final AtomicLong bytesRead = new AtomicLong();

    /**
     * @param maxBufferedRecords records of the plan fetched ahead of the one being handed out
     * @param scattered          whether consecutive blocks of the plan are usually far apart (a
     *                           shuffled plan): then a fetch stops nearer the block's end (256 KB a
     *                           partition, 256 records a poll), since what lies beyond it is fetched,
     *                           allocated and parsed for nothing and dropped at the next seek
     */
    public RangeReader(KafkaSettings kafka, String topic, int maxBufferedRecords, boolean scattered) {
        Map<String, Object> config = kafka.consumer("spritestream-loader");
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        config.putIfAbsent(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, scattered ? 1 : 1 << 20);
        // A bounded read hits the log end at the last block of a partition: do not let the broker hold it.
        config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        config.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, scattered ? 256 << 10 : 8 << 20);
        // Scattered blocks: a poll returns records past the block end too, parsed for nothing; keep polls small.
        config.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, scattered ? 256 : 5000);
        this.consumer = new KafkaConsumer<>(config, new ByteBufferDeserializer(), new ByteBufferDeserializer());
        this.topic = topic;
        this.maxBufferedRecords = Math.max(1, maxBufferedRecords);
        this.stallTimeout = kafka.timeout();
    }

    /** Where one-line notices go while Kafka does not answer (a broker down, a network cut). */
    public void notices(java.util.function.Consumer<String> sink) {
        this.notices = sink;
    }

    /** Records handed to the sink so far. */
    public long recordsRead() {
        return recordsRead.get();
    }

    /** Value bytes of the records handed to the sink so far. */
    public long bytesRead() {
        return bytesRead.get();
    }

    /**
     * Reads every block of {@code plan} and hands the records to {@code sink}, in plan order.
     *
     * @throws KafkaUnreachableException if no progress is made for the settings' timeout
     * @throws IllegalStateException if planned offsets are no longer in the topic
     */
    public void read(ReadPlan plan, Sink sink) throws InterruptedException {
        Session read = new Session(plan.blocks());
        while (read.next < read.blocks.size() || !read.window.isEmpty()) {
            read.fillWindow(sink);
            if (read.window.isEmpty()) {
                continue; // every block left was served from elsewhere
            }
            if (read.window.peekFirst().isComplete()) {
                Block head = read.window.pollFirst();
                read.planned -= head.range.size();
                long bytes = 0;
                for (ConsumerRecord<ByteBuffer, ByteBuffer> r : head.records) {
                    ByteBuffer value = r.value();
                    if (value != null) {
                        bytes += value.remaining();
                    }
                    sink.accept(r);
                }
                recordsRead.addAndGet(head.records.size());
                bytesRead.addAndGet(bytes);
                sink.endBlock(head.range);
                // Time spent in the sink (a slow trainer) is not time Kafka failed to answer.
                read.restartStallClock(System.nanoTime());
                continue;
            }
            read.fetchOnce(POLL, sink);
        }
    }

    /** The state of one {@link #read}: the plan, the window of blocks being fetched, the stall clock. */
    private final class Session {
        final List<OffsetRange> blocks;
        final Map<Integer, TopicPartition> partitions = new HashMap<>();
        final Set<Integer> positioned = new HashSet<>();
        final ArrayDeque<Block> window = new ArrayDeque<>();
        int next;
        long planned;
        long lastProgress = System.nanoTime();
        long nextNotice = lastProgress + NOTICE_AFTER_NANOS;
        boolean noticed;

        Session(List<OffsetRange> blocks) {
            this.blocks = blocks;
            for (OffsetRange b : blocks) {
                partitions.computeIfAbsent(b.partition(), p -> new TopicPartition(topic, p));
            }
            consumer.assign(partitions.values());
            consumer.pause(partitions.values());
            // Every assigned partition needs a position, even one with no block in the window yet:
            // a paused partition without one fails the next poll (there is no reset policy, on purpose).
            for (OffsetRange b : blocks) {
                if (positioned.add(b.partition())) {
                    consumer.seek(partitions.get(b.partition()), b.start());
                }
            }
        }

        void fillWindow(Sink sink) throws InterruptedException {
            while (next < blocks.size() && (window.isEmpty() || planned + blocks.get(next).size() <= maxBufferedRecords)) {
                OffsetRange range = blocks.get(next++);
                if (sink.servedElsewhere(range)) {
                    continue;
                }
                Block b = new Block(range);
                window.add(b);
                planned += b.range.size();
            }
        }

        void restartStallClock(long now) {
            lastProgress = now;
            nextNotice = now + NOTICE_AFTER_NANOS;
        }

        void progressed(long now) {
            if (noticed) {
                notices.accept("Kafka answers again after " + (now - lastProgress) / 1_000_000_000L
                        + " s; reading " + topic + " where it stopped");
                noticed = false;
            }
            lastProgress = now;
            nextNotice = now + NOTICE_AFTER_NANOS;
        }

        /** One poll for the first incomplete block of each partition in the window. */
        void fetchOnce(Duration timeout, Sink sink) throws InterruptedException {
            Map<Integer, Block> active = activeBlocks(window);
            // A block is asked once more just before its fetch starts: the cache may hold it by now.
            boolean dropped = false;
            for (Block b : active.values()) {
                if (b.cursor == b.range.start() && b.records.isEmpty() && sink.servedElsewhere(b.range)) {
                    window.remove(b);
                    planned -= b.range.size();
                    dropped = true;
                }
            }
            if (dropped) {
                return;
            }
            for (Map.Entry<Integer, TopicPartition> e : partitions.entrySet()) {
                Block b = active.get(e.getKey());
                TopicPartition tp = e.getValue();
                if (b == null) {
                    consumer.pause(List.of(tp));
                    continue;
                }
                if (!positioned.contains(e.getKey()) || consumer.position(tp) != b.cursor) {
                    consumer.seek(tp, b.cursor);
                    positioned.add(e.getKey());
                }
                consumer.resume(List.of(tp));
            }
            ConsumerRecords<ByteBuffer, ByteBuffer> records = poll(timeout);
            boolean progress = !records.isEmpty();
            for (ConsumerRecord<ByteBuffer, ByteBuffer> r : records) {
                route(window, r);
            }
            for (Block b : active.values()) {
                long position = consumer.position(partitions.get(b.range.partition()));
                if (position > b.cursor) {
                    b.cursor = Math.min(position, b.range.end());
                    progress = true;
                }
            }
            long now = System.nanoTime();
            if (progress) {
                progressed(now);
            } else if (now - lastProgress > stallTimeout.toNanos()) {
                throw new KafkaUnreachableException("gave up after " + stallTimeout.toSeconds() + " s without records from "
                        + topic + " while reading " + active.values().iterator().next().range
                        + " (broker down or unreachable; --broker-timeout sets the wait)", null);
            } else if (now >= nextNotice) {
                notices.accept("waiting for Kafka: no records from " + topic + " for " + (now - lastProgress) / 1_000_000_000L
                        + " s (broker down?); giving up after " + stallTimeout.toSeconds() + " s");
                noticed = true;
                nextNotice = now + NOTICE_EVERY_NANOS;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    private ConsumerRecords<ByteBuffer, ByteBuffer> poll(Duration timeout) throws InterruptedException {
        try {
            return consumer.poll(timeout);
        } catch (OffsetOutOfRangeException e) {
            throw new IllegalStateException("offsets " + e.offsetOutOfRangePartitions() + " are no longer in " + topic
                    + " (deleted by retention?): the dataset version cannot be read in full", e);
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
            throw new InterruptedException("read interrupted");
        }
    }

    /** For each partition, its first incomplete block in the window (the one to fetch now). */
    private static Map<Integer, Block> activeBlocks(ArrayDeque<Block> window) {
        Map<Integer, Block> active = new HashMap<>();
        for (Block b : window) {
            if (!b.isComplete()) {
                active.putIfAbsent(b.range.partition(), b);
            }
        }
        return active;
    }

    private static void route(ArrayDeque<Block> window, ConsumerRecord<ByteBuffer, ByteBuffer> r) {
        for (Block b : window) {
            if (b.range.partition() == r.partition() && r.offset() >= b.cursor && r.offset() < b.range.end()) {
                b.records.add(r);
                b.cursor = r.offset() + 1;
                return;
            }
        }
    }

    /**
     * The consumer, for metric binders only: its {@code metrics()} may be read from any thread;
     * nothing else may be called on it.
     */
    public org.apache.kafka.clients.consumer.Consumer<?, ?> consumerForMetrics() {
        return consumer;
    }

    /** Interrupts a blocked {@link #read} from another thread. */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        // No group to leave and nothing to commit: closing the fetch sessions must not wait for the
        // broker to answer their last fetch (it holds it up to fetch.max.wait.ms when no data is left).
        consumer.close(CloseOptions.timeout(Duration.ZERO));
    }

    /** A block of the plan being fetched: the records so far and the next offset it needs. */
    private static final class Block {
        final OffsetRange range;
        final List<ConsumerRecord<ByteBuffer, ByteBuffer>> records;
        long cursor;

        Block(OffsetRange range) {
            this.range = range;
            this.cursor = range.start();
            this.records = new ArrayList<>((int) Math.min(range.size(), 1 << 16));
        }

        boolean isComplete() {
            return cursor >= range.end();
        }
    }
}
