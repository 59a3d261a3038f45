package io.spritestream.loader.pipeline;

import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.cache.CacheKey;
import io.spritestream.loader.cache.DecodedCache;
import io.spritestream.loader.decode.SpriteDecoder;
import io.spritestream.loader.ingest.BoundedFeed;
import io.spritestream.loader.ingest.ClientObserver;
import io.spritestream.loader.ingest.RecordFetcher;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.RecordSpace;
import io.spritestream.loader.replay.RunPlan;
import io.spritestream.loader.replay.RunProgress;
import java.util.List;
import java.util.function.Consumer;

/**
 * Makes the {@link RunAssembly} of a bounded run: a dataset version (or topic ranges) epoch after epoch in its {@link RunPlan}'s
 * order, each rank its share, resumable at any batch; read through the decoded-sample cache when
 * the run has one (a topic whose id is known).
 */
final class BoundedRun {

    private BoundedRun() {}

    static RunAssembly of(LoaderSettings settings, KafkaSettings kafka, ResolvedSource source, Consumer<String> notices,
                          ClientObserver clients) {
        RunPlan plan = new RunPlan(new RecordSpace(source.ranges()), settings.order(), settings.epochs(),
                settings.worldSize(), settings.rank(), settings.startEpoch(), settings.startPosition(),
                settings.startSplits());
        RunProgress progress = new RunProgress(plan, initialState(settings, source), stateFile(settings));
        DecodedCache cache = settings.cache() == null || source.topicId() == null ? null
                : DecodedCache.open(settings.cache(), new CacheKey(source.topicId(), source.topic(), settings.pixels(),
                        SpriteDecoder.outputVersion()), source.manifest().map(m -> m.dataset()).orElse(null),
                        settings.cacheMaxBytes(), notices);
        RecordFetcher refetch = cache == null ? null : new RecordFetcher(kafka, source.topic());
        BoundedFeed feed = new BoundedFeed(kafka, source.topic(), plan, settings.readAhead(), notices, clients, cache,
                settings.keySplit());
        return new RunAssembly(feed, progress, settings.startEpoch(), cache, refetch, null, plan.plannedRecords());
    }

    static java.nio.file.Path stateFile(LoaderSettings settings) {
        return settings.saveStatePath() == null ? null : LoaderState.forRank(settings.saveStatePath(), settings.rank());
    }

    /** The state the run starts from: the resumed one, or a fresh one (at the start epoch). */
    static LoaderState initialState(LoaderSettings settings, ResolvedSource source) {
        if (settings.resumeState() != null) {
            return settings.resumeState().continuing(settings.epochs(), settings.worldSize(), settings.rank(),
                    settings.batchSize());
        }
        LoaderState fresh = LoaderState.fresh(source.manifest().map(m -> m.dataset()).orElse(null),
                source.manifest().map(m -> m.version()).orElse(0), source.topic(), source.ranges(), settings.order(),
                settings.augment().isNone() ? null : settings.augment().toString(), settings.epochs(),
                settings.worldSize(), settings.rank(), source.classes(), settings.batchSize());
        return settings.startEpoch() == 0 ? fresh : fresh.at(settings.startEpoch(), 0, List.of(), fresh.classes(), 0, 0);
    }
}
