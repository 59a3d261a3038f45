/**
 * Where sprites come from ({@link SpriteSource}): a folder of images ({@link DirectorySource}), a
 * sprite sheet cut into tiles ({@link SpriteSheetSource}) or the built-in procedural pixel art
 * ({@link SyntheticSprites}, painted by {@link SpritePainter}), each handing out {@link Sprite}s.
 *
 * <p>May use {@code record} and ImageIO; pure Java, no Kafka. Never uses loader or broker code.
 */
package io.spritestream.producer.source;
