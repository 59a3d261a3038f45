package io.spritestream.loader.ingest;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.replay.MixingBuffer;
import io.spritestream.loader.replay.OrderSpec;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A live tail without end ({@code follow}): records as they come through a consumer group
 * ({@link FollowReader}), mixed by a bounded buffer when the order shuffles. The buffer holds no
 * record longer than {@code maxHold}: on a stream too slow to fill it, the records that have
 * waited that long leave (with as many random picks: see {@link MixingBuffer#releaseArrivedBy}),
 * and the loop wakes at least that often to see to it, records or none. When the topic goes
 * quiet the buffer and the partly gathered batch are flushed (unless the run drops partial
 * batches). While the target has no room, the group membership is kept alive.
 *
 * <p>Threads: see {@link RecordFeed}.
 */
public final class LiveFeed implements RecordFeed {

    private static final long ROOM_WAIT_MS = 100;

    private final FollowReader follower;
    private final OrderSpec order;
    private final boolean flushWhenIdle;
    private final long maxHoldNanos;
    private final Duration pollTimeout;
    private final ClientObserver clients;
    private final RecordView view = new RecordView();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private long sequence;

    /**
     * @param membership    how this member takes part in {@code group}
     * @param maxHold       the longest a record waits in the shuffle buffer
     * @param flushWhenIdle whether a quiet topic flushes the partly gathered batch (false under drop-last)
     */
    public LiveFeed(KafkaSettings kafka, String topic, String group, GroupMembership membership, OrderSpec order,
                    Duration maxHold, boolean flushWhenIdle, ClientObserver clients) {
        this.follower = new FollowReader(kafka, topic, group, membership);
        this.order = order;
        this.flushWhenIdle = flushWhenIdle;
        this.maxHoldNanos = maxHold.toNanos();
        this.pollTimeout = maxHold.compareTo(FollowReader.POLL) < 0 ? maxHold : FollowReader.POLL;
        this.clients = clients;
        clients.consumerOpened(follower.consumerForMetrics());
    }

    @Override
    public void run(RecordTarget target) throws InterruptedException {
        MixingBuffer<ConsumerRecord<ByteBuffer, ByteBuffer>> mixing = new MixingBuffer<>(
                order.shuffle() ? order.bufferSize() : 1, order.seed());
        boolean flushed = true;
        while (!Thread.currentThread().isInterrupted()) {
            var polled = follower.poll(pollTimeout);
            long arrived = System.nanoTime();
            for (ConsumerRecord<ByteBuffer, ByteBuffer> record : polled) {
                ConsumerRecord<ByteBuffer, ByteBuffer> out = order.shuffle() ? mixing.offer(record, arrived) : record;
                if (out != null) {
                    handOver(target, out);
                }
            }
            for (ConsumerRecord<ByteBuffer, ByteBuffer> out : mixing.releaseArrivedBy(System.nanoTime() - maxHoldNanos)) {
                handOver(target, out);
            }
            if (!polled.isEmpty()) {
                flushed = false;
            } else if (!flushed && flushWhenIdle) {
                for (ConsumerRecord<ByteBuffer, ByteBuffer> out : mixing.drain()) {
                    handOver(target, out);
                }
                target.flush();
                flushed = true;
            }
        }
        throw new InterruptedException("live tail stopped");
    }

    private void handOver(RecordTarget target, ConsumerRecord<ByteBuffer, ByteBuffer> record)
            throws InterruptedException {
        while (!target.awaitRoom(ROOM_WAIT_MS, TimeUnit.MILLISECONDS)) {
            follower.keepAlive();
        }
        ByteBuffer value = record.value();
        target.accept(view.of(record, RecordView.labelOf(record), null), sequence++);
        records.incrementAndGet();
        bytes.addAndGet(value == null ? 0 : value.remaining());
    }

    @Override
    public long recordsRead() {
        return records.get();
    }

    @Override
    public long bytesRead() {
        return bytes.get();
    }

    @Override
    public void consumed(int partition, long offset) {
        follower.done(partition, offset);
    }

    @Override
    public void wakeup() {
        follower.wakeup();
    }

    @Override
    public void close() {
        clients.consumerClosed(follower.consumerForMetrics());
        follower.close();
    }
}
