package io.spritestream.loader.batch;

import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.cache.Shard;
import io.spritestream.loader.cache.ShardWriter;
import io.spritestream.loader.memory.SlabLease;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A slab on its way to becoming a batch: up to B records, one per slot, with where each came from.
 *
 * <p>Life: the reader {@linkplain #add adds} records (one thread), then {@linkplain #seal seals} it;
 * decoder threads {@linkplain #claimChunk claim} chunks of slots without locks, decode each slot's
 * value into its pixels and record a rejection where one fails, then mark the chunk
 * {@linkplain #chunkDone done}; the assembler {@linkplain #awaitDecoded waits} for all chunks, then
 * owns it alone. The hand-offs (queue, latch) order these phases; fields need no other locking.
 */
public final class BatchSlots {

    SlabLease lease;
    int epoch;
    final int capacity;
    int count;
    final int[] partitions;
    final long[] offsets;
    final long[] timestamps;
    final long[] positions;
    final ByteBuffer[] keys;
    final byte[][] labels;
    final ByteBuffer[] values;
    /** Per slot: the cache shard holding its decoded sample (copied, not decoded), or null. */
    final Shard[] cached;
    /** Per slot: the cache shard its decoded sample is written to, or null. */
    final ShardWriter[] writers;
    final RejectReason[] rejects;
    final String[] errors;
    /** The slot part of {@link #cursor} between uses: nothing can be claimed. */
    private static final long CLOSED = Integer.MAX_VALUE;
    /**
     * The next unclaimed slot (low 32 bits) of the use numbered in the high 32 bits. {@link #reuse}
     * closes it first; {@link #seal} opens it at slot 0, last. A decoder holding a token of an earlier
     * use, or one that read the cursor before a reuse, finds it closed or fails to swap it: it claims
     * nothing. (A plain flag checked before the claim was not enough: the slots could be reused and
     * filled between the check and the claim.)
     */
    private final AtomicLong cursor = new AtomicLong(CLOSED);
    private final AtomicInteger pendingChunks = new AtomicInteger();
    private int chunkSize;
    /** Uses so far, the high half of {@link #cursor} (reader thread). */
    private long use;

    public BatchSlots(SlabLease lease, int epoch) {
        this(lease, epoch, lease.layout().batch());
    }

    /** Metadata slots without memory, or with a lease of another size (for copies kept aside). */
    BatchSlots(SlabLease lease, int epoch, int capacity) {
        this.lease = lease;
        this.epoch = epoch;
        this.capacity = capacity;
        this.partitions = new int[capacity];
        this.offsets = new long[capacity];
        this.timestamps = new long[capacity];
        this.positions = new long[capacity];
        this.keys = new ByteBuffer[capacity];
        this.labels = new byte[capacity][];
        this.values = new ByteBuffer[capacity];
        this.cached = new Shard[capacity];
        this.writers = new ShardWriter[capacity];
        this.rejects = new RejectReason[capacity];
        this.errors = new String[capacity];
    }

    /**
     * The same slots for the next use of their slab (the metadata arrays live as long as the slab, so
     * a batch costs no array allocations). Only once the previous batch of this slab is closed.
     */
    public BatchSlots reuse(SlabLease newLease, int newEpoch) {
        if (newLease.layout().batch() != capacity) {
            throw new IllegalArgumentException("lease of " + newLease.layout().batch() + " slots for " + capacity + " slots");
        }
        this.use++;
        this.cursor.set(use << 32 | CLOSED);
        this.lease = newLease;
        this.epoch = newEpoch;
        this.count = 0;
        this.pendingChunks.set(0);
        return this;
    }

    public SlabLease lease() {
        return lease;
    }

    public int epoch() {
        return epoch;
    }

    public boolean isFull() {
        return count == capacity;
    }

    /**
     * Adds a record to the next slot (reader thread, before {@link #seal}).
     *
     * @param position the record's position in its epoch's order (what a resumed run skips to)
     */
    public void add(long position, int partition, long offset, long timestamp, ByteBuffer key, byte[] label,
                    ByteBuffer value) {
        add(position, partition, offset, timestamp, key, label, value, null, null);
    }

    /**
     * Adds a record to the next slot, with where its decoded sample is in the cache (then it is
     * copied, not decoded, and {@code value} is null) or where to write it once decoded.
     *
     * @param cachedIn the shard holding the record's sample, or null
     * @param writeTo  the shard its decoded sample is written to, or null
     */
    public void add(long position, int partition, long offset, long timestamp, ByteBuffer key, byte[] label,
                    ByteBuffer value, Shard cachedIn, ShardWriter writeTo) {
        int i = count++;
        cached[i] = cachedIn;
        writers[i] = writeTo;
        positions[i] = position;
        partitions[i] = partition;
        offsets[i] = offset;
        timestamps[i] = timestamp;
        keys[i] = key;
        labels[i] = label;
        values[i] = value;
        rejects[i] = null;
        errors[i] = null;
    }

    /**
     * Ends adding: decoders may now claim chunks of {@code chunkSize} slots.
     *
     * @return the number of chunks
     */
    public int seal(int chunkSize) {
        this.chunkSize = chunkSize;
        int chunks = (count + chunkSize - 1) / chunkSize;
        pendingChunks.set(chunks);
        cursor.set(use << 32);
        return chunks;
    }

    /**
     * The first slot of an unclaimed chunk, or -1 if all are claimed (or the slots are not sealed yet).
     * Lock-free; any thread.
     */
    public int claimChunk() {
        while (true) {
            long at = cursor.get();
            int from = (int) at;
            if (from >= count) {
                return -1;
            }
            if (cursor.compareAndSet(at, at + chunkSize)) {
                return from;
            }
        }
    }

    /** Whether a chunk may still be claimed (a hint: another thread may claim it first). */
    public boolean claimable() {
        return (int) cursor.get() < count;
    }

    /** One past the last slot of the chunk starting at {@code from}. */
    public int chunkEnd(int from) {
        return Math.min(count, from + chunkSize);
    }

    /** The encoded value of {@code slot} (decoder threads). */
    public ByteBuffer value(int slot) {
        return values[slot];
    }

    /** The record's encoded value, read again from Kafka because its cached sample was damaged (decoder threads). */
    public void readAgain(int slot, ByteBuffer value) {
        values[slot] = value;
        cached[slot] = null;
    }

    /** The cache shard holding {@code slot}'s decoded sample, or null (decoder threads). */
    public Shard cached(int slot) {
        return cached[slot];
    }

    /** The cache shard {@code slot}'s decoded sample is to be written to, or null (decoder threads). */
    public ShardWriter cacheWriter(int slot) {
        return writers[slot];
    }

    /** Records that {@code slot} could not be decoded (decoder threads, each on its own slots). */
    public void reject(int slot, RejectReason reason, String error) {
        rejects[slot] = reason;
        errors[slot] = error;
    }

    /** Marks that {@code slot} decoded, releasing its encoded bytes (they pin Kafka's fetch buffer). */
    public void decoded(int slot) {
        values[slot] = null;
        cached[slot] = null;
        writers[slot] = null;
    }

    public void chunkDone() {
        if (pendingChunks.decrementAndGet() == 0) {
            synchronized (this) {
                notifyAll();
            }
        }
    }

    /** Whether every chunk is done (decoded or rejected). Any thread. */
    public boolean isDecoded() {
        return pendingChunks.get() == 0;
    }

    /** Waits until every chunk is done; false on timeout. */
    public boolean awaitDecoded(long timeout, TimeUnit unit) throws InterruptedException {
        if (pendingChunks.get() == 0) {
            return true;
        }
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (this) {
            long left;
            while (pendingChunks.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                wait(Math.max(1, left / 1_000_000L));
            }
            return pendingChunks.get() == 0;
        }
    }

    // Read once every chunk is done (isDecoded): by the assembler thread and its rejection sink, and,
    // for a delivered batch's rows, by whoever closes the batch (BatchClosed), before the slab returns.

    public int partition(int slot) {
        return partitions[slot];
    }

    public long offset(int slot) {
        return offsets[slot];
    }

    public long timestamp(int slot) {
        return timestamps[slot];
    }

    public ByteBuffer key(int slot) {
        return keys[slot];
    }

    public byte[] label(int slot) {
        return labels[slot];
    }

    public RejectReason reject(int slot) {
        return rejects[slot];
    }

    public String error(int slot) {
        return errors[slot];
    }

    /** Moves slot {@code from}'s sample and metadata to slot {@code to} of {@code target}. */
    void moveTo(int from, BatchSlots target, int to) {
        int bytes = lease.layout().sampleBytes();
        target.lease.memory().put(to * bytes, lease.memory(), from * bytes, bytes);
        target.partitions[to] = partitions[from];
        target.offsets[to] = offsets[from];
        target.timestamps[to] = timestamps[from];
        target.positions[to] = positions[from];
        target.keys[to] = keys[from];
        target.labels[to] = labels[from];
        target.values[to] = null;
        target.rejects[to] = null;
        target.errors[to] = null;
    }

    /** Drops references to Kafka's buffers (and cache shards) once the batch no longer needs them. */
    void releaseValues() {
        java.util.Arrays.fill(values, null);
        java.util.Arrays.fill(cached, null);
        java.util.Arrays.fill(writers, null);
    }
}
