/**
 * A slab's records becoming a batch: {@link BatchSlots} (a slab's records and lock-free chunk claims
 * for the decoders), {@link BatchAssembler} (fills the rows bad records left), {@link SpriteBatch}
 * (what a caller gets and closes) and {@link LabelIndex}. Start at {@link SpriteBatch}.
 *
 * <p>May use {@code memory}, {@code decode}, {@code tensor}, {@code cache} and DJL; no Kafka.
 */
package io.spritestream.loader.batch;
