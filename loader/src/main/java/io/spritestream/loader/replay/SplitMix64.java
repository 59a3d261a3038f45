package io.spritestream.loader.replay;

/**
 * A tiny, fully specified pseudo-random generator (Steele, Lea and Flood's SplitMix64). The sample
 * order of every run is derived from it, so it must give the same numbers on every JVM and
 * version: no JDK generator promises that.
 */
public final class SplitMix64 {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private long state;

    public SplitMix64(long seed) {
        this.state = seed;
    }

    /** A generator for one purpose of one run: the same inputs give the same stream. */
    static SplitMix64 of(long seed, long... salts) {
        long s = mix(seed);
        for (long salt : salts) {
            s = mix(s ^ mix(salt + GOLDEN));
        }
        return new SplitMix64(s);
    }

    /**
     * Starts this generator again as {@link #of of(seed, a, b, c)} would make it, without allocating:
     * for a stream per item of a run (augmentation draws one per sample).
     */
    public void reseed(long seed, long a, long b, long c) {
        long s = mix(seed);
        s = mix(s ^ mix(a + GOLDEN));
        s = mix(s ^ mix(b + GOLDEN));
        this.state = mix(s ^ mix(c + GOLDEN));
    }

    /** Uniform in {@code [0, 1)}, 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    public long nextLong() {
        return mix(state += GOLDEN);
    }

    /** Uniform in {@code [0, bound)}, without modulo bias. */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound: " + bound + " (expected > 0)");
        }
        // Values below the threshold are rejected, so the accepted range is a multiple of bound.
        long threshold = Long.remainderUnsigned(-(long) bound, bound);
        long r;
        do {
            r = nextLong();
        } while (Long.compareUnsigned(r, threshold) < 0);
        return (int) Long.remainderUnsigned(r, bound);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
