/**
 * The producer: {@link SpriteProducer} streams a sprite source to a topic, one record a sprite, and
 * records the finished stream as a dataset version; {@link ProduceLease} lets one {@code produce} at a
 * time write a dataset or a topic; {@link ProduceListener} is what it tells observers. Start at
 * {@link SpriteProducer}.
 *
 * <p>May use the shared packages ({@code config}, {@code kafka}, {@code record}, {@code catalog}),
 * {@code producer.source} and Kafka's client; never Micrometer (its binder is in
 * {@code producer.metrics}), and never loader or broker code ({@code PackageRulesTest}).
 */
package io.spritestream.producer;
