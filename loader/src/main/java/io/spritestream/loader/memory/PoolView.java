package io.spritestream.loader.memory;

/**
 * What a {@link SlabPool} shows observers (metrics, a run's status, tests), and nothing it can be
 * made to do: its size and use, read from any thread.
 */
public interface PoolView {

    /** What every slab holds. */
    SlabLayout layout();

    /** Slabs in all. */
    int capacity();

    /** Slabs free now. */
    int freeCount();

    /** Slabs leased now. */
    int inUseCount();

    /** Bytes of all the slabs. */
    long bytes();

    /** Nanoseconds callers have waited for a free slab, in all. */
    long waitNanos();

    /** Slabs leased so far. */
    long acquisitions();

    /** Who holds each slab leased now, as its lease describes the owner (for diagnosis). */
    java.util.List<String> outstandingOwners();
}
