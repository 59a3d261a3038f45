/**
 * Image bytes into a slot of a slab: {@link SpriteDecoder} (OpenCV), {@link ImageHeader} (limits
 * checked before decoding), {@link SlotMats}, and the declared settings {@link PixelSpec} and
 * {@link DecodeLimits}; a record that cannot be a sample gets a {@link RejectReason}. Start at
 * {@link SpriteDecoder}.
 *
 * <p>May use {@code memory}, {@code config} and OpenCV; no DJL, no Kafka.
 */
package io.spritestream.loader.decode;
