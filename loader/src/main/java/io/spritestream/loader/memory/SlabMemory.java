package io.spritestream.loader.memory;

import java.nio.ByteBuffer;

/**
 * Where a pool's slabs live: direct memory of the pool's own ({@link #DIRECT}, the default), or
 * slices of one shared mapping (the feed's ring, which another process views). A slab's memory is
 * given once, when the pool is made, and held by the pool for its whole life.
 */
@FunctionalInterface
public interface SlabMemory {

    /** Direct memory of the pool's own, one allocation a slab. */
    SlabMemory DIRECT = (index, bytes) -> ByteBuffer.allocateDirect(bytes);

    /** The memory of slab {@code index}: a direct buffer of exactly {@code bytes}, position 0. */
    ByteBuffer slab(int index, int bytes);
}
