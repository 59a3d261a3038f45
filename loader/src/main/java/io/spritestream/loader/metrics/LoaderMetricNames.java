package io.spritestream.loader.metrics;

/**
 * Every meter name and tag the loader registers, in one place. Names are Micrometer's dotted form;
 * the comment of each gives the name Prometheus serves (what the Grafana dashboard queries). Tags
 * are low-cardinality only: fixed sets of values.
 */
public final class LoaderMetricNames {

    private LoaderMetricNames() {}

    // Loader: counters.

    /** {@code spritestream_records_read_total}: records taken from Kafka. */
    public static final String RECORDS_READ = "spritestream.records.read";
    /** {@code spritestream_bytes_read_total}: value bytes of those records. */
    public static final String BYTES_READ = "spritestream.bytes.read";
    /** {@code spritestream_samples_delivered_total}: samples handed to the trainer in batches. */
    public static final String SAMPLES_DELIVERED = "spritestream.samples.delivered";
    /** {@code spritestream_batches_delivered_total}. */
    public static final String BATCHES_DELIVERED = "spritestream.batches.delivered";
    /** {@code spritestream_cache_hits_total}: samples copied from the decoded-sample cache (no fetch, no decode). */
    public static final String CACHE_HITS = "spritestream.cache.hits";
    /** {@code spritestream_cache_misses_total}: samples decoded while the run had a cache. */
    public static final String CACHE_MISSES = "spritestream.cache.misses";
    /** {@code spritestream_dead_lettered_total{reason}}: records sent to the dead-letter topic. */
    public static final String DEAD_LETTERED = "spritestream.dead.lettered";

    // Loader: timers (histograms: p50/p99 with histogram_quantile).

    /** {@code spritestream_decode_seconds}: one record through a decoder (decoded or refused). */
    public static final String DECODE = "spritestream.decode";
    /** {@code spritestream_batch_assembly_seconds}: gap filling and the zero-copy views of a batch. */
    public static final String BATCH_ASSEMBLY = "spritestream.batch.assembly";
    /** {@code spritestream_device_copy_seconds}: a batch copied to the training device. */
    public static final String DEVICE_COPY = "spritestream.device.copy";
    /** {@code spritestream_trainer_wait_seconds}: the training loop waiting for its next batch. */
    public static final String TRAINER_WAIT = "spritestream.trainer.wait";
    /** {@code spritestream_end_to_end_latency_seconds}: oldest record timestamp of a batch to its delivery. */
    public static final String END_TO_END_LATENCY = "spritestream.end.to.end.latency";
    /** {@code spritestream_pool_wait_seconds}: waiting for a free slab (count: slabs acquired). */
    public static final String POOL_WAIT = "spritestream.pool.wait";

    // Loader: gauges.

    /** {@code spritestream_pool_slabs{state}}. */
    public static final String POOL_SLABS = "spritestream.pool.slabs";
    /** {@code spritestream_pool_bytes}: direct memory held by the slab pool. */
    public static final String POOL_BYTES = "spritestream.pool.bytes";
    /** {@code spritestream_queue_depth{stage}}. */
    public static final String QUEUE_DEPTH = "spritestream.queue.depth";
    /** {@code spritestream_cache_bytes}: bytes of shard files in the decoded-sample cache's folder. */
    public static final String CACHE_BYTES = "spritestream.cache.bytes";
    /** {@code spritestream_epoch}: the epoch being delivered, from 0. */
    public static final String EPOCH = "spritestream.epoch";
    /** {@code spritestream_epoch_progress_ratio}: share of the current epoch's records done, 0..1. */
    public static final String EPOCH_PROGRESS = "spritestream.epoch.progress.ratio";

    // Tags and their values.

    /**
     * Dead-letter reason: {@code null_value}, {@code empty}, {@code unsupported}, {@code too_large},
     * {@code undecodable}, {@code bad_label}, {@code unlabelled}, {@code unknown_label}.
     */
    public static final String TAG_REASON = "reason";
    /** Pool slab state. */
    public static final String TAG_STATE = "state";
    public static final String STATE_IN_USE = "in_use";
    public static final String STATE_FREE = "free";
    /** Pipeline stage of a queue. */
    public static final String TAG_STAGE = "stage";
    /** Chunks of read slabs waiting for a decode thread. */
    public static final String STAGE_DECODE = "decode";
    /** Slabs read and handed on, waiting to be assembled into batches. */
    public static final String STAGE_ASSEMBLE = "assemble";
}
