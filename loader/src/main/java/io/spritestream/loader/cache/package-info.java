/**
 * The decoded-sample cache: {@link DecodedCache} (one run's view of a cache key's shards: lookup,
 * writers, eviction, sweeping), {@link Shard} (a published shard, checked, its samples read into
 * their batch slots), {@link ShardWriter} (a block's shard as its samples are decoded, its data slots
 * staged in chunks by {@link SlotChunks}), {@link ShardPublisher} (the thread that publishes whole
 * shards) and {@link CacheCatalog} (what a cache folder holds); the file
 * layout is {@link ShardFormat}. Start at {@link DecodedCache}.
 *
 * <p>May use {@code decode} and Jackson; no DJL, no Kafka.
 */
package io.spritestream.loader.cache;
