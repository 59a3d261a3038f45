/**
 * How every client reaches Kafka: {@link KafkaSettings} (bootstrap servers, the user's client
 * properties, time bounds), {@link Waiting} (a wait is never silent) and
 * {@link KafkaUnreachableException}. Start at {@link KafkaSettings}.
 *
 * <p>Shared by both jars; may use {@code config} and Kafka's client. Never uses producer, loader or
 * broker code ({@code PackageRulesTest}).
 */
package io.spritestream.kafka;
