/**
 * What a run reads and in which order, without Kafka: {@link OffsetRange}, {@link RecordSpace},
 * {@link EpochOrder} (an epoch's order as a pure function of seed, epoch, ranks and splits),
 * {@link RunPlan}, {@link RunProgress} (the state after each batch, and its file), {@link KeySplit},
 * {@link LoaderState}, {@link Resume} and {@link MixingBuffer}. Start at {@link RunPlan}.
 *
 * <p>Uses no other loader layer; may use {@code config} and Jackson.
 */
package io.spritestream.loader.replay;
