package io.spritestream.loader.pipeline;

/**
 * The events of a {@link SpriteLoader}'s run that a metrics binder records, as plain numbers: the
 * pipeline knows nothing of how they are recorded. Every method has an empty default, so a new
 * event is one method here and its call in the pipeline. The run's other observers each have a role
 * of their own in {@link RunObservers} (notices, the Kafka client, epoch ends, ending threads).
 *
 * <p>Implementations must be quick, thread-safe and must not throw: {@link #decoded} is called by
 * every decode thread, the others by the thread that calls {@link SpriteLoader#next()} (or, for
 * {@link #copiedToDevice}, the training loop's device stage).
 */
public interface LoaderListener {

    /** Observes nothing. */
    LoaderListener NONE = new LoaderListener() { };

    /**
     * A loader was opened, its threads not yet started. Observers may keep it to read its views
     * ({@link SpriteLoader#stats()}, {@link SpriteLoader#pool()}, queue depths, epoch progress)
     * from any thread, even after it is closed.
     */
    default void opened(SpriteLoader loader) { }

    /** One record went through a decoder, decoded or refused, in {@code nanos}. */
    default void decoded(long nanos) { }

    /**
     * A batch was handed out by {@link SpriteLoader#next()}.
     *
     * @param samples            its size
     * @param assemblyNanos      time spent assembling it (gap filling, the zero-copy views)
     * @param oldestRecordMillis the oldest record timestamp in it (ms since the epoch), or -1 if none
     */
    default void delivered(int samples, long assemblyNanos, long oldestRecordMillis) { }

    /**
     * The training loop waited {@code nanos} for its next batch: measured in {@link SpriteLoader#next()},
     * or, where a stage sits between them, reported by the training loop itself through
     * {@link SpriteLoader#trainerWaited} (the stage takes batches with {@link SpriteLoader#nextForStage()}).
     */
    default void trainerWaited(long nanos) { }

    /** A batch was copied to the training device in {@code nanos} (called by the device stage). */
    default void copiedToDevice(long nanos) { }

    /** The loader was closed (its pool is back to idle). */
    default void closed(SpriteLoader loader) { }
}
