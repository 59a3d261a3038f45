package io.spritestream.loader.train;

/** Follows a {@link SpriteTrainer#fit} run, on the training thread (progress bars, console lines). */
public interface EpochObserver {

    /** An epoch begins (from 1); about {@code expectedSamples} training samples are expected. */
    default void epochStarted(int epoch, long expectedSamples) {}

    /** A training step on {@code samples} samples is done. */
    default void trainingBatch(int epoch, int samples) {}

    /** An epoch is done, validation included. */
    default void epochFinished(EpochResult result) {}
}
