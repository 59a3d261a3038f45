package io.spritestream.loader.train;

/**
 * The training loop was asked to stop ({@link SpriteDataset#requestStop()}, e.g. on SIGINT or
 * SIGTERM) and did, between two steps: thrown out of the training pass, through {@code EasyTrain}.
 */
public final class TrainingStopped extends RuntimeException {

    private final int epoch;
    private final long batches;

    TrainingStopped(int epoch, long batches) {
        super("training stopped in epoch " + (epoch + 1) + " after " + batches + " batch(es)", null, false, false);
        this.epoch = epoch;
        this.batches = batches;
    }

    /** The epoch stopped in, from 0. */
    public int epoch() {
        return epoch;
    }

    /** Batches of that epoch trained on. */
    public long batches() {
        return batches;
    }
}
