package io.spritestream.loader.train;

/**
 * One pass (epoch) over a {@link SpriteDataset} as the training loop saw it.
 *
 * @param epoch      the pass's epoch, from 0
 * @param batches    batches handed out
 * @param samples    samples in them
 * @param waitNanos  time the loop spent waiting for its next batch (the starvation signal)
 * @param wallNanos  from the pass's start to its end (the loop's own work included)
 * @param rejected   records of the pass's epoch that became dead letters instead of samples, by
 *                   reason ({@code unlabelled}: 1), only reasons that occurred
 */
public record PassStats(int epoch, long batches, long samples, long waitNanos, long wallNanos,
                        java.util.Map<String, Long> rejected) {

    public PassStats {
        rejected = java.util.Map.copyOf(rejected);
    }

    public double seconds() {
        return wallNanos / 1e9;
    }

    /** Waiting time / wall time of the pass, 0..1. */
    public double waitRatio() {
        return wallNanos > 0 ? (double) waitNanos / wallNanos : 0;
    }

    public double samplesPerSecond() {
        return wallNanos > 0 ? samples / seconds() : 0;
    }
}
