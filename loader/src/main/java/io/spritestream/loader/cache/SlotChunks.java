package io.spritestream.loader.cache;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The data slots of one shard being written, in chunks of staging memory: slots are handed out in
 * the order samples arrive ({@link #take}), a decoder copies its sample into its slot's chunk while
 * it is still in the CPU's cache ({@link #stage}), and the sample that fills a chunk says so
 * ({@link #filled}) so that the writer thread appends the whole chunk with one write
 * ({@link #staged}). A chunk that could get no staging memory (the process's budget in use) is
 * direct: its samples are written to their slots one by one by the caller.
 *
 * <p>Thread-safe: each slot is taken, staged and counted by one thread.
 */
final class SlotChunks {

    /** Staging memory per chunk, about: samples are appended to the file this many bytes at a time. */
    static final int CHUNK_BYTES = 512 << 10;
    /** A chunk that has no staging memory: its samples are written to their slots one by one. */
    private static final ByteBuffer DIRECT = ByteBuffer.allocate(0);

    private final int count;
    private final int sampleBytes;
    private final int chunkSamples;
    /** Per chunk: its staging memory (or {@link #DIRECT}); null before its first sample and once taken. */
    private final AtomicReferenceArray<ByteBuffer> chunks;
    /** Per chunk: samples copied in so far. */
    private final AtomicIntegerArray filled;
    private final AtomicInteger nextSlot = new AtomicInteger();

    SlotChunks(int count, int sampleBytes) {
        this.count = count;
        this.sampleBytes = sampleBytes;
        this.chunkSamples = Math.max(1, Math.min(count, CHUNK_BYTES / sampleBytes));
        int chunkCount = (count + chunkSamples - 1) / chunkSamples;
        this.chunks = new AtomicReferenceArray<>(chunkCount);
        this.filled = new AtomicIntegerArray(chunkCount);
    }

    /** The next free slot. */
    int take() {
        return nextSlot.getAndIncrement();
    }

    /** Slots taken so far. */
    int used() {
        return nextSlot.get();
    }

    int chunks() {
        return chunks.length();
    }

    /**
     * Copies the sample ({@code sampleBytes} of {@code from} at {@code at}) into {@code slot}'s
     * chunk; false if that chunk has no staging memory (the caller writes the slot itself).
     */
    boolean stage(int slot, ByteBuffer from, int at) {
        int c = slot / chunkSamples;
        ByteBuffer chunk = chunk(c);
        if (chunk == DIRECT) {
            return false;
        }
        chunk.put((slot - c * chunkSamples) * sampleBytes, from, at, sampleBytes);
        return true;
    }

    /** {@code slot} holds its sample (staged or written); the chunk it completed, or -1. */
    int filled(int slot) {
        int c = slot / chunkSamples;
        return filled.incrementAndGet(c) == chunkSize(c) ? c : -1;
    }

    /** Chunk {@code c}'s staging memory, taken by its first sample; {@link #DIRECT} if there is none to take. */
    private ByteBuffer chunk(int c) {
        ByteBuffer b = chunks.get(c);
        if (b != null) {
            return b;
        }
        ByteBuffer taken = StagingMemory.take(chunkSamples * sampleBytes);
        ByteBuffer mine = taken == null ? DIRECT : taken;
        if (chunks.compareAndSet(c, null, mine)) {
            return mine;
        }
        StagingMemory.give(taken); // another thread's first sample of this chunk came first
        return chunks.get(c);
    }

    /** Slots in chunk {@code c} (the last chunk of the block may be short). */
    int chunkSize(int c) {
        return Math.min(chunkSamples, count - c * chunkSamples);
    }

    /** Slots of chunk {@code c} taken so far (a chunk that never filled holds fewer than its size). */
    int taken(int c) {
        return Math.min(chunkSize(c), Math.max(0, used() - c * chunkSamples));
    }

    /** Where chunk {@code c}'s first slot starts, in bytes from the data region's start. */
    long offset(int c) {
        return (long) c * chunkSamples * sampleBytes;
    }

    /**
     * Chunk {@code c}'s staged samples, now the caller's to write and then {@link #give}; null if
     * it has none (its samples were written one by one, or it was taken already).
     */
    ByteBuffer staged(int c) {
        ByteBuffer b = chunks.getAndSet(c, null);
        return b == DIRECT ? null : b;
    }

    /** Gives back staging memory taken with {@link #staged}. */
    static void give(ByteBuffer staged) {
        StagingMemory.give(staged);
    }

    /** Gives back the staging memory of every chunk not taken yet. */
    void releaseAll() {
        for (int c = 0; c < chunks.length(); c++) {
            ByteBuffer b = staged(c);
            if (b != null) {
                StagingMemory.give(b);
            }
        }
    }
}
