package io.spritestream.loader.cache;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct memory where shard writers stage samples before writing them in one go, shared by every
 * cache of the process and reused (a run after another, or two loaders at once, take the same
 * buffers rather than leave garbage direct memory to the collector): at most {@link #BUDGET} bytes.
 * Thread-safe.
 */
final class StagingMemory {

    /** Direct memory the process may stage samples in. */
    static final long BUDGET = 256L << 20;

    private static final Map<Integer, Queue<ByteBuffer>> FREE = new ConcurrentHashMap<>();
    private static final AtomicLong MADE = new AtomicLong();

    private StagingMemory() {}

    /** A buffer of {@code bytes} (its capacity exactly that), or null if the budget is spent. */
    static ByteBuffer take(int bytes) {
        ByteBuffer b = FREE.computeIfAbsent(bytes, k -> new ConcurrentLinkedQueue<>()).poll();
        if (b != null) {
            return b;
        }
        if (MADE.addAndGet(bytes) > BUDGET) {
            MADE.addAndGet(-bytes);
            return null;
        }
        return ByteBuffer.allocateDirect(bytes);
    }

    /** Gives {@code b} back for the next writer. */
    static void give(ByteBuffer b) {
        if (b != null) {
            FREE.computeIfAbsent(b.capacity(), k -> new ConcurrentLinkedQueue<>()).add(b);
        }
    }
}
