/**
 * The loader itself: {@link SpriteLoader}, a thin facade over its stages (reader, decoders,
 * assembler; {@link Stage}, {@link Stages}), {@link LoaderConfig} (what a caller asks) and
 * {@link LoaderSettings} (concluded, immutable, every setting declared once), and what it tells
 * observers ({@link LoaderStats}, {@link LoaderListener}). Start at {@link SpriteLoader}.
 *
 * <p>May use every layer below it ({@code memory}, {@code decode}, {@code tensor}, {@code cache},
 * {@code augment}, {@code batch}, {@code export}, {@code replay}, {@code ingest}), the shared
 * packages and DJL; never Kafka's classes (records arrive as {@code RecordView}).
 */
package io.spritestream.loader.pipeline;
