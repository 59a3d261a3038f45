/**
 * The record contract, one Kafka record = one sprite ({@link SpriteRecords}: key, value, headers,
 * topic names), and {@link ContentTypes}, an image's media type from its first bytes.
 *
 * <p>Shared by both jars; may use {@code config}. Never uses producer, loader or broker code
 * ({@code PackageRulesTest}).
 */
package io.spritestream.record;
