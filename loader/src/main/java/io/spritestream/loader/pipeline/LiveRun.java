package io.spritestream.loader.pipeline;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.BatchClosed;
import io.spritestream.loader.cache.DecodedCache;
import io.spritestream.loader.ingest.ClientObserver;
import io.spritestream.loader.ingest.LiveFeed;
import io.spritestream.loader.ingest.RecordFeed;
import io.spritestream.loader.ingest.RecordFetcher;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.replay.RunProgress;

/**
 * A live tail: a topic read through a consumer group without end, mixed in a bounded shuffle
 * buffer that holds a record no longer than {@link LoaderSettings#followMaxHold()}; a record's offset is committed once the batch that holds it is closed (at-least-once).
 * No plan, no epochs, no decoded-sample cache (a live record is read once).
 */
final class LiveRun implements RunAssembly {

    private final LiveFeed feed;
    private final RunProgress progress;

    private LiveRun(LiveFeed feed, RunProgress progress) {
        this.feed = feed;
        this.progress = progress;
    }

    static LiveRun of(LoaderSettings settings, KafkaSettings kafka, ResolvedSource source, ClientObserver clients) {
        LiveFeed feed = new LiveFeed(kafka, source.topic(), settings.followGroup(), settings.groupMembership(),
                settings.order(), settings.followMaxHold(), !settings.dropLast(), clients);
        return new LiveRun(feed, new RunProgress(null, BoundedRun.initialState(settings, source),
                BoundedRun.stateFile(settings)));
    }

    @Override
    public RecordFeed feed() {
        return feed;
    }

    @Override
    public RunProgress progress() {
        return progress;
    }

    @Override
    public int startEpoch() {
        return 0;
    }

    @Override
    public DecodedCache cache() {
        return null;
    }

    @Override
    public RecordFetcher refetch() {
        return null;
    }

    /** A closed batch's records may be committed. */
    @Override
    public BatchClosed onBatchClosed() {
        return (slots, rows) -> {
            for (int i = 0; i < rows; i++) {
                feed.consumed(slots.partition(i), slots.offset(i));
            }
        };
    }

    @Override
    public long plannedRecords() {
        return -1;
    }

    @Override
    public void close() {
        feed.close();
    }
}
