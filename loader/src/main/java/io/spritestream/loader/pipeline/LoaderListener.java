package io.spritestream.loader.pipeline;

import io.spritestream.loader.ingest.ClientObserver;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * What a {@link SpriteLoader} tells an observer (the metrics binder), as plain numbers: the pipeline
 * knows nothing of how they are recorded. Every method has an empty default.
 *
 * <p>Give it to {@link SpriteLoader#open(LoaderSettings, io.spritestream.kafka.KafkaSettings,
 * ai.djl.ndarray.NDManager, LoaderListener)}. Implementations must be quick, thread-safe and must not
 * throw: {@link #decoded} is called by every decode thread, {@link #notice} and the Kafka client
 * events ({@link #clients()}) by the reader, the others by the thread that calls
 * {@link SpriteLoader#next()} (or, for {@link #copiedToDevice}, the training loop's device stage).
 */
public interface LoaderListener {

    /** Observes nothing; notices go to standard error. */
    LoaderListener NONE = new LoaderListener() { };

    /**
     * Who is told when the run's Kafka consumer opens and closes (a metrics binder reads its client
     * metrics); none by default. The pipeline passes it to the ingest side unopened.
     */
    default ClientObserver clients() {
        return ClientObserver.NONE;
    }

    /**
     * A one-line notice for the user while the run waits (e.g. for a broker that is down); printed
     * on standard error unless a listener routes it elsewhere ({@link #withNotices}).
     */
    default void notice(String message) {
        System.err.println(message);
    }

    /** This listener, with its notices sent to {@code notices} instead. */
    default LoaderListener withNotices(Consumer<String> notices) {
        return new Forwarding(this) {
            @Override
            public void notice(String message) {
                notices.accept(message);
            }
        };
    }

    /** This listener, with {@code ends} told too of each completed epoch (after this listener). */
    default LoaderListener withEpochEnds(IntConsumer ends) {
        return new Forwarding(this) {
            @Override
            public void epochCompleted(int epoch) {
                super.epochCompleted(epoch);
                ends.accept(epoch);
            }
        };
    }

    /**
     * A pipeline thread is about to end (called on that thread, its last act): per-thread figures
     * such as its CPU time and allocated bytes can be read now (a benchmark's accounting).
     */
    default void threadEnding() {
    }

    /** Tells another listener everything; a subclass changes what it overrides. */
    class Forwarding implements LoaderListener {
        private final LoaderListener events;

        protected Forwarding(LoaderListener events) {
            this.events = events;
        }

        @Override
        public ClientObserver clients() {
            return events.clients();
        }

        @Override
        public void notice(String message) {
            events.notice(message);
        }

        @Override
        public void opened(SpriteLoader loader) {
            events.opened(loader);
        }

        @Override
        public void decoded(long nanos) {
            events.decoded(nanos);
        }

        @Override
        public void delivered(int samples, long assemblyNanos, long oldestRecordMillis) {
            events.delivered(samples, assemblyNanos, oldestRecordMillis);
        }

        @Override
        public void trainerWaited(long nanos) {
            events.trainerWaited(nanos);
        }

        @Override
        public void epochCompleted(int epoch) {
            events.epochCompleted(epoch);
        }

        @Override
        public void copiedToDevice(long nanos) {
            events.copiedToDevice(nanos);
        }

        @Override
        public void closed(SpriteLoader loader) {
            events.closed(loader);
        }

        @Override
        public void threadEnding() {
            events.threadEnding();
        }
    }

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
     * Every batch of {@code epoch} has been handed out by {@link SpriteLoader#next()}: called in the
     * call that hands out its last batch, before that batch is returned, or, when the epoch ends
     * without a batch of its own (its last one was full, was dropped, or this rank had none), in the
     * next call, before it waits for another epoch's first batch.
     */
    default void epochCompleted(int epoch) { }

    /**
     * The training loop waited {@code nanos} for its next batch: measured in {@link SpriteLoader#next()},
     * or, where a stage sits between them, reported by the training loop itself through
     * {@link SpriteLoader#trainerWaited} (see {@link LoaderConfig#trainerWaitReportedByCaller}).
     */
    default void trainerWaited(long nanos) { }

    /** A batch was copied to the training device in {@code nanos} (called by the device stage). */
    default void copiedToDevice(long nanos) { }

    /** The loader was closed (its pool is back to idle). */
    default void closed(SpriteLoader loader) { }
}
