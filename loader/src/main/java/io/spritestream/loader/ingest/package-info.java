/**
 * Kafka's side of the loader: {@link SourceResolver} (a dataset version or a time window to
 * offsets), the record feeds {@link BoundedFeed} ({@link RangeReader} fetches blocks,
 * {@link OrderedSink} puts them in the epoch's order) and {@link LiveFeed} ({@link FollowReader}, a
 * consumer group), and {@link DeadLetterWriter}. Records leave as a Kafka-free {@link RecordView} to
 * a {@link RecordTarget}; the consumer is seen only through a {@link ClientObserver}. Start at
 * {@link RecordFeed}.
 *
 * <p>May use {@code replay}, {@code cache}, the shared {@code config}, {@code kafka}, {@code record}
 * and {@code catalog}, and Kafka's client (elsewhere in the loader only the metrics binder sees
 * Kafka).
 */
package io.spritestream.loader.ingest;
