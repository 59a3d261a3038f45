package io.spritestream.loader.memory;

import java.nio.ByteBuffer;

/** One pooled piece of direct memory; the pool holds it strongly for its whole life. */
final class Slab {
    final int index;
    final ByteBuffer memory;

    Slab(int index, ByteBuffer memory) {
        this.index = index;
        this.memory = memory;
    }
}
