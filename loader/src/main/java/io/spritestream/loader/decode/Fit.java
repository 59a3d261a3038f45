package io.spritestream.loader.decode;

/**
 * How an image whose size differs from the target is fitted. Pixel art is never smoothed: any
 * scaling is nearest-neighbour.
 */
public enum Fit {
    /**
     * Keep the aspect ratio; scale down (nearest) only if the image does not fit, never up; centre
     * on transparent black.
     */
    PAD,
    /** Scale (nearest) to exactly the target size, ignoring the aspect ratio. */
    STRETCH,
    /** Keep the aspect ratio; scale (nearest) so the image covers the target, then cut the centre. */
    CROP
}
