/**
 * {@link SlabViews}: zero-copy DJL arrays over a slab.
 *
 * <p>May use {@code memory} and DJL.
 */
package io.spritestream.loader.tensor;
