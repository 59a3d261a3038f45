package io.spritestream.loader.memory;

/**
 * How much a {@link SlabPool} records about its leases, to name them when they leak (like Netty's
 * {@code ResourceLeakDetector} levels).
 */
public enum LeakDetection {
    /** Nothing beyond counts: closing the pool with leases out still fails, without names. */
    OFF,
    /** Each lease's owner description (e.g. which batch holds it). The default. */
    SIMPLE,
    /** Also the stack trace of each acquisition: slower, for tests and debugging. */
    PARANOID
}
