/**
 * The record contract, one Kafka record = one sprite ({@link SpriteRecords}: key, value, headers,
 * topic names), {@link ContentTypes}, an image's media type from its first bytes, and
 * {@link LabelRule}, what a class name may be wherever one enters.
 *
 * <p>Shared by both jars; may use {@code config}. Never uses producer, loader or broker code
 * ({@code PackageRulesTest}).
 */
package io.spritestream.record;
