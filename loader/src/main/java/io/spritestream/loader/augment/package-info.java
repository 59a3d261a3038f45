/**
 * Augmentation in the slot: {@link AugmentSpec} (the {@code --augment} grammar, checked against the
 * pixel spec) and {@link Augmenter} (one a decode thread: OpenCV transforms drawn from seed, epoch
 * and record).
 *
 * <p>May use {@code decode}, {@code replay}, {@code config} and OpenCV; no DJL.
 */
package io.spritestream.loader.augment;
