package io.spritestream.loader.ingest;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.cache.DecodedCache;
import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.replay.RunPlan;
import java.util.function.Consumer;

/**
 * A dataset version (or a topic's ranges) read epoch after epoch in the plan's order: for each
 * epoch, the blocks its order needs are fetched ({@link RangeReader}) and put in order
 * ({@link OrderedSink}), then the target is told the epoch ended; after the last, that the feed is
 * over. The next epoch's sink reuses the tables of the one before.
 *
 * <p>With a decoded-sample cache, blocks the cache holds are not fetched: their records come from
 * the cache at their turn; blocks read from Kafka are written to it as they are decoded.
 *
 * <p>Threads: see {@link RecordFeed}.
 */
public final class BoundedFeed implements RecordFeed {

    private final RunPlan plan;
    private final RangeReader reader;
    private final ClientObserver clients;
    private final BlockCache cache;

    /**
     * @param readAhead records fetched ahead of the one being handed out (at least one block)
     * @param notices   where one-line notices go while Kafka does not answer
     * @param cache     the decoded-sample cache, or null
     * @param split     the side of a split by key the run reads, or null (for the cache's bookkeeping)
     */
    public BoundedFeed(KafkaSettings kafka, String topic, RunPlan plan, int readAhead, Consumer<String> notices,
                       ClientObserver clients, DecodedCache cache, KeySplit split) {
        this.plan = plan;
        this.cache = cache == null ? null : new BlockCache(cache, split);
        this.reader = new RangeReader(kafka, topic, Math.max(readAhead, plan.orderSpec().blockSize()),
                plan.orderSpec().shuffle());
        this.reader.notices(notices);
        this.clients = clients;
        clients.consumerOpened(reader.consumerForMetrics());
    }

    @Override
    public void run(RecordTarget target) throws InterruptedException {
        OrderedSink previous = null;
        for (int epoch = plan.startEpoch(); epoch < plan.epochs(); epoch++) {
            int[] order = plan.order(epoch);
            int start = plan.start(epoch);
            OrderedSink sink = previous == null
                    ? new OrderedSink(plan.space(), order, start, plan.orderSpec().blockSize(), target, cache)
                    : previous.following(order, start, target);
            sink.start();
            reader.read(sink.fetchPlan(), sink);
            sink.finish();
            previous = sink;
            target.epochEnd(epoch);
        }
        target.end();
    }

    @Override
    public long recordsRead() {
        return reader.recordsRead();
    }

    @Override
    public long bytesRead() {
        return reader.bytesRead();
    }

    @Override
    public void wakeup() {
        reader.wakeup();
    }

    @Override
    public void close() {
        clients.consumerClosed(reader.consumerForMetrics());
        reader.close();
    }
}
