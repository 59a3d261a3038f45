package io.spritestream.loader.pipeline;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.BatchClosed;
import io.spritestream.loader.ingest.ClientObserver;
import io.spritestream.loader.ingest.LiveFeed;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.replay.RunProgress;

/**
 * Makes the {@link RunAssembly} of a live tail: a topic read through a consumer group without end, mixed in a bounded shuffle
 * buffer that holds a record no longer than {@link LoaderSettings#followMaxHold()}; a record's offset is committed once the batch that holds it is closed (at-least-once).
 * No plan, no epochs, no decoded-sample cache (a live record is read once).
 */
final class LiveRun {

    private LiveRun() {}

    static RunAssembly of(LoaderSettings settings, KafkaSettings kafka, ResolvedSource source, ClientObserver clients) {
        LiveFeed feed = new LiveFeed(kafka, source.topic(), settings.followGroup(), settings.groupMembership(),
                settings.order(), settings.followMaxHold(), !settings.dropLast(), clients);
        BatchClosed commit = (slots, rows) -> { // a closed batch's records may be committed
            for (int i = 0; i < rows; i++) {
                feed.consumed(slots.partition(i), slots.offset(i));
            }
        };
        return new RunAssembly(feed, new RunProgress(null, BoundedRun.initialState(settings, source),
                BoundedRun.stateFile(settings)), 0, null, null, commit, -1);
    }
}
