package io.spritestream.loader.cache;

import java.io.IOException;

/** A shard file that is not whole (damaged, or not of this cache key): it is discarded, never served. */
public final class CorruptShardException extends IOException {
    public CorruptShardException(String message) {
        super(message);
    }
}
