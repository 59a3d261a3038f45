package io.spritestream.loader.memory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The right to use one slab, from {@link SlabPool#acquire} until {@link #close}. One owner at a
 * time: closing returns the slab to the pool, and a lease can be closed only once (a second close
 * throws, so a stale holder can never return memory that someone else now uses).
 *
 * <p>Buffers handed out by a lease are views of pooled memory: they must not be used after the
 * lease is closed. Thread-safe to close; the memory itself has no locking.
 */
public final class SlabLease implements AutoCloseable {

    private final SlabPool pool;
    private final Slab slab;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String owner;
    final Throwable acquiredAt;

    SlabLease(SlabPool pool, Slab slab, String owner, Throwable acquiredAt) {
        this.pool = pool;
        this.slab = slab;
        this.owner = owner;
        this.acquiredAt = acquiredAt;
    }

    /** The slab's number in its pool, 0..capacity-1: stable for the pool's life. */
    public int slabIndex() {
        return slab.index;
    }

    public SlabLayout layout() {
        return pool.layout();
    }

    /** The whole slab: a direct buffer, position 0, limit = slab size. Do not keep it past close. */
    public ByteBuffer memory() {
        checkOpen();
        return slab.memory;
    }

    /** A new view of the first {@code samples} samples' pixels (exactly that many bytes). */
    public ByteBuffer images(int samples) {
        checkOpen();
        return slab.memory.slice(0, samples * pool.layout().sampleBytes());
    }

    /** A new view of the first {@code samples} labels: int32, native byte order. */
    public ByteBuffer labels(int samples) {
        checkOpen();
        return slab.memory.slice(pool.layout().labelsOffset(), samples * 4).order(ByteOrder.nativeOrder());
    }

    /**
     * Reports a leak if {@code holder} becomes unreachable while this lease is still open: the slab
     * would never come back to the pool. Off under {@link LeakDetection#OFF}. The report names the
     * owner and, under {@link LeakDetection#PARANOID}, where {@code holder} was handed out. The
     * returned handle must be {@linkplain java.lang.ref.Cleaner.Cleanable#clean() cleaned} when the
     * holder closes the lease properly.
     */
    public java.lang.ref.Cleaner.Cleanable watch(Object holder) {
        if (pool.leakDetection() == LeakDetection.OFF) {
            return () -> { };
        }
        Throwable site = pool.leakDetection() == LeakDetection.PARANOID ? new Throwable("handed out here") : null;
        return SlabPool.CLEANER.register(holder, new LeakCheck(this, site));
    }

    /** Runs on the cleaner's thread; must not refer to the holder. */
    private record LeakCheck(SlabLease lease, Throwable site) implements Runnable {
        @Override
        public void run() {
            if (lease.isClosed()) {
                return;
            }
            StringBuilder report = new StringBuilder("LEAK: ").append(lease)
                    .append(" was dropped without being closed; its slab never returns to the pool");
            if (site != null) {
                java.io.StringWriter trace = new java.io.StringWriter();
                site.printStackTrace(new java.io.PrintWriter(trace));
                report.append(System.lineSeparator()).append(trace);
            } else {
                report.append(" (leak detection paranoid shows where it was handed out)");
            }
            lease.pool.reportLeak(report.toString());
        }
    }

    /** Records who holds the lease now, for leak reports (e.g. {@code batch 17 of epoch 0}). */
    public void describeOwner(String newOwner) {
        this.owner = newOwner;
    }

    public String owner() {
        return owner;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Returns the slab to the pool.
     *
     * @throws IllegalStateException if this lease was already closed
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            throw new IllegalStateException("slab " + slab.index + " (" + owner + ") was already returned to the pool");
        }
        pool.release(this, slab);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("slab " + slab.index + " (" + owner + ") was returned to the pool");
        }
    }

    @Override
    public String toString() {
        return "slab " + slab.index + " (" + owner + ")";
    }
}
