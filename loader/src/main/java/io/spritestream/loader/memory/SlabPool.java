package io.spritestream.loader.memory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fixed number of equal direct-memory slabs, each big enough for one batch. Memory is allocated
 * once, up front, and never grows: the pool is what bounds the loader's memory, and an empty pool
 * is what makes the loader stop fetching when the trainer is slow.
 *
 * <p>The pool is its own leak detector: {@link #close} fails while leases are out and names them
 * (with where they were taken, under {@link LeakDetection#PARANOID}).
 *
 * <p>Thread-safe: any thread may acquire and any thread may close a lease.
 */
public final class SlabPool implements PoolView, AutoCloseable {

    private final SlabLayout layout;
    private final Slab[] slabs;
    /**
     * Free slabs. A waiting acquirer polls with growing pauses instead of being signalled, so
     * closing a batch (on the trainer's thread) never has to wake the reader: a wake-up is a
     * system call that costs tens of microseconds on some virtual machines.
     */
    private final ConcurrentLinkedQueue<Slab> free = new ConcurrentLinkedQueue<>();
    private final AtomicInteger freeCount = new AtomicInteger();
    private final Set<SlabLease> outstanding = ConcurrentHashMap.newKeySet();
    private final LeakDetection leakDetection;
    private final AtomicLong waitNanos = new AtomicLong();
    private final AtomicLong acquisitions = new AtomicLong();
    private final AtomicLong leaksReported = new AtomicLong();
    private volatile java.util.function.Consumer<String> leakReporter = System.err::println;
    private volatile boolean closed;

    /** One cleaner for every pool: its thread reports holders that were dropped without closing. */
    static final java.lang.ref.Cleaner CLEANER = java.lang.ref.Cleaner.create();

    /**
     * Allocates {@code capacity} slabs of {@code layout.slabBytes()} direct bytes each.
     */
    public SlabPool(SlabLayout layout, int capacity, LeakDetection leakDetection) {
        this(layout, capacity, leakDetection, SlabMemory.DIRECT);
    }

    /** {@code capacity} slabs of {@code layout.slabBytes()} bytes each, in {@code memory}. */
    public SlabPool(SlabLayout layout, int capacity, LeakDetection leakDetection, SlabMemory memory) {
        if (capacity < 1 || capacity > 4096) {
            throw new IllegalArgumentException("slabs: " + capacity + " (expected 1..4096)");
        }
        this.layout = layout;
        this.leakDetection = leakDetection;
        this.slabs = new Slab[capacity];
        for (int i = 0; i < capacity; i++) {
            ByteBuffer slab = memory.slab(i, layout.slabBytes());
            if (!slab.isDirect() || slab.capacity() != layout.slabBytes()) {
                throw new IllegalArgumentException("slab " + i + ": " + slab + " (expected a direct buffer of "
                        + layout.slabBytes() + " bytes)");
            }
            slabs[i] = new Slab(i, slab.order(ByteOrder.nativeOrder()));
            free.add(slabs[i]);
            freeCount.incrementAndGet();
        }
    }

    @Override
    public SlabLayout layout() {
        return layout;
    }

    public LeakDetection leakDetection() {
        return leakDetection;
    }

    /** Where leak reports go (default: stderr). */
    public void leakReporter(java.util.function.Consumer<String> reporter) {
        this.leakReporter = java.util.Objects.requireNonNull(reporter);
    }

    /** Holders dropped without closing their lease, reported so far. */
    public long leaksReported() {
        return leaksReported.get();
    }

    void reportLeak(String report) {
        leaksReported.incrementAndGet();
        leakReporter.accept(report);
    }

    @Override
    public int capacity() {
        return slabs.length;
    }

    @Override
    public int freeCount() {
        return freeCount.get();
    }

    @Override
    public int inUseCount() {
        return slabs.length - freeCount.get();
    }

    /** Direct bytes held by the pool (all slabs, in use or not). */
    @Override
    public long bytes() {
        return (long) slabs.length * layout.slabBytes();
    }

    /** Total time callers have waited in {@link #acquire} for a free slab. */
    @Override
    public long waitNanos() {
        return waitNanos.get();
    }

    @Override
    public long acquisitions() {
        return acquisitions.get();
    }

    /**
     * Takes a free slab, waiting as long as none is free.
     *
     * @param owner who will hold it, for leak reports
     */
    public SlabLease acquire(String owner) throws InterruptedException {
        checkOpen();
        Slab slab = poll();
        if (slab == null) {
            long began = System.nanoTime();
            slab = awaitFree(Long.MAX_VALUE);
            waitNanos.addAndGet(System.nanoTime() - began);
        }
        return lease(slab, owner);
    }

    /** Takes a free slab, waiting at most {@code timeout}; {@code null} if none became free. */
    public SlabLease tryAcquire(String owner, long timeout, TimeUnit unit) throws InterruptedException {
        checkOpen();
        Slab slab = poll();
        if (slab == null) {
            long began = System.nanoTime();
            slab = awaitFree(unit.toNanos(timeout));
            waitNanos.addAndGet(System.nanoTime() - began);
            if (slab == null) {
                return null;
            }
        }
        return lease(slab, owner);
    }

    private Slab poll() {
        Slab slab = free.poll();
        if (slab != null) {
            freeCount.decrementAndGet();
        }
        return slab;
    }

    /** Polls for a free slab, pausing 50 us, then twice as long each time up to 2 ms; null after {@code timeoutNanos}. */
    private Slab awaitFree(long timeoutNanos) throws InterruptedException {
        long deadline = timeoutNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        long pause = 50_000;
        while (true) {
            Slab slab = poll();
            if (slab != null) {
                return slab;
            }
            long left = deadline == Long.MAX_VALUE ? pause : deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            LockSupport.parkNanos(this, Math.min(pause, left));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            checkOpen();
            pause = Math.min(2 * pause, 2_000_000);
        }
    }

    private SlabLease lease(Slab slab, String owner) {
        Throwable site = leakDetection == LeakDetection.PARANOID ? new Throwable("slab acquired here") : null;
        SlabLease lease = new SlabLease(this, slab, leakDetection == LeakDetection.OFF ? "?" : owner, site);
        outstanding.add(lease);
        acquisitions.incrementAndGet();
        return lease;
    }

    void release(SlabLease lease, Slab slab) {
        outstanding.remove(lease);
        free.add(slab);
        freeCount.incrementAndGet();
    }

    /** The leases not yet closed, for diagnosis. */
    public List<SlabLease> outstanding() {
        return new ArrayList<>(outstanding);
    }

    @Override
    public List<String> outstandingOwners() {
        return outstanding().stream().map(SlabLease::owner).toList();
    }

    /**
     * Closes the pool. Its memory is freed once the last buffer view of it is unreachable.
     *
     * @throws IllegalStateException if leases are still out; the message names each one
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        List<SlabLease> leaked = outstanding();
        if (!leaked.isEmpty()) {
            throw new IllegalStateException(describeLeaks(leaked));
        }
        closed = true;
    }

    private String describeLeaks(List<SlabLease> leaked) {
        StringBuilder sb = new StringBuilder();
        sb.append(leaked.size()).append(" of ").append(slabs.length)
                .append(" slabs still leased (close every batch before closing the loader): ");
        for (int i = 0; i < leaked.size(); i++) {
            SlabLease lease = leaked.get(i);
            sb.append(i == 0 ? "" : "; ").append(lease);
            if (lease.acquiredAt != null) {
                StringWriter trace = new StringWriter();
                lease.acquiredAt.printStackTrace(new PrintWriter(trace));
                sb.append(System.lineSeparator()).append(trace);
            }
        }
        if (leakDetection != LeakDetection.PARANOID) {
            sb.append(" (run with leak detection PARANOID to see where each was taken)");
        }
        return sb.toString();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("slab pool is closed");
        }
    }
}
