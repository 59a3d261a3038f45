package io.spritestream.loader.pipeline;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.BatchClosed;
import io.spritestream.loader.cache.DecodedCache;
import io.spritestream.loader.ingest.ClientObserver;
import io.spritestream.loader.ingest.RecordFeed;
import io.spritestream.loader.ingest.RecordFetcher;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.replay.RunProgress;
import java.util.function.Consumer;

/**
 * What one kind of run puts into the pipeline, which is the same for every kind (pool, decoders,
 * assembler, hand-off to the trainer): where its records come from and in what order (the
 * {@link RecordFeed}), where the run stands ({@link RunProgress}), the decoded-sample cache it
 * reads and fills, and what a closed batch means. {@link BoundedRun} makes one for a dataset version
 * or topic ranges, epoch after epoch, with a plan and a cache; {@link LiveRun} for a live tail
 * through a consumer group, whose closed batches are its commits. A run of another kind (a mix of
 * sources) is another maker of this record; {@link SpriteLoader} does not change.
 *
 * <p>Made on the thread that opens the loader; {@link #close} after the pipeline's threads stopped.
 *
 * @param feed           the run's records, in delivery order (run by the reader stage)
 * @param progress       where the run stands after each batch (its state, and the state file)
 * @param startEpoch     the epoch the run's first slab belongs to
 * @param cache          the decoded-sample cache the run reads and fills, or null
 * @param refetch        reads a record of the cache's blocks again (a damaged cached sample), or null
 *                       without a cache
 * @param onBatchClosed  told of every batch the trainer closes, or null when closing means nothing
 *                       to the source
 * @param plannedRecords samples the whole run hands out, before dead letters and a batch limit; -1
 *                       without end
 */
record RunAssembly(RecordFeed feed, RunProgress progress, int startEpoch, DecodedCache cache, RecordFetcher refetch,
                   BatchClosed onBatchClosed, long plannedRecords) {

    /** The assembly for {@code settings}: a live tail when it follows, else a bounded run. */
    static RunAssembly of(LoaderSettings settings, KafkaSettings kafka, ResolvedSource source, Consumer<String> notices,
                          ClientObserver clients) {
        return settings.following() ? LiveRun.of(settings, kafka, source, clients)
                : BoundedRun.of(settings, kafka, source, notices, clients);
    }

    /** Closes the feed and, if any, the cache and the fetcher; the first failure is thrown, the rest suppressed. */
    void close() {
        RuntimeException problem = SpriteLoader.attempt(null, feed::close);
        if (cache != null) {
            problem = SpriteLoader.attempt(problem, cache::close);
        }
        if (refetch != null) {
            problem = SpriteLoader.attempt(problem, refetch::close);
        }
        if (problem != null) {
            throw problem;
        }
    }
}
