package io.spritestream.loader.ingest;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.replay.MixingBuffer;
import io.spritestream.loader.replay.OrderSpec;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * A live tail without end ({@code follow}): records as they come through a consumer group
 * ({@link FollowReader}), mixed by a bounded buffer when the order shuffles. When the topic goes
 * quiet the partly gathered batch is flushed (unless the run drops partial batches). While the
 * target has no room, the group membership is kept alive.
 *
 * <p>Threads: see {@link RecordFeed}.
 */
public final class LiveFeed implements RecordFeed {

    private static final long ROOM_WAIT_MS = 100;

    private final FollowReader follower;
    private final OrderSpec order;
    private final boolean flushWhenIdle;
    private final ClientObserver clients;
    private final RecordView view = new RecordView();
    private final AtomicLong records = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private long sequence;

    /** @param flushWhenIdle whether a quiet topic flushes the partly gathered batch (false under drop-last) */
    public LiveFeed(KafkaSettings kafka, String topic, String group, OrderSpec order, boolean flushWhenIdle,
                    ClientObserver clients) {
        this.follower = new FollowReader(kafka, topic, group);
        this.order = order;
        this.flushWhenIdle = flushWhenIdle;
        this.clients = clients;
        clients.consumerOpened(follower.consumerForMetrics());
    }

    @Override
    public void run(RecordTarget target) throws InterruptedException {
        MixingBuffer<ConsumerRecord<ByteBuffer, ByteBuffer>> mixing = new MixingBuffer<>(
                order.shuffle() ? order.bufferSize() : 1, order.seed());
        boolean flushed = true;
        while (!Thread.currentThread().isInterrupted()) {
            var polled = follower.poll();
            for (ConsumerRecord<ByteBuffer, ByteBuffer> record : polled) {
                ConsumerRecord<ByteBuffer, ByteBuffer> out = order.shuffle() ? mixing.offer(record) : record;
                if (out != null) {
                    handOver(target, out);
                }
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
