/**
 * The decoded-sample cache: {@link DecodedCache} (one run's view of a cache key's shards: lookup,
 * writers, eviction, sweeping), {@link Shard} (a published shard, mapped read-only, checked),
 * {@link ShardWriter} (a block's shard as its samples are decoded), {@link ShardPublisher} (the
 * thread that publishes whole shards) and {@link CacheCatalog} (what a cache folder holds); the file
 * layout is {@link ShardFormat}. Start at {@link DecodedCache}.
 *
 * <p>May use {@code decode} and Jackson; no DJL, no Kafka.
 */
package io.spritestream.loader.cache;
