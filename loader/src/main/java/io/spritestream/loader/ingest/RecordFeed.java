package io.spritestream.loader.ingest;

/**
 * Records from Kafka, in the order they are to be delivered, handed to a {@link RecordTarget} by
 * the thread that {@linkplain #run runs} the feed: a dataset version or topic ranges epoch after
 * epoch ({@link BoundedFeed}), or a live tail ({@link LiveFeed}).
 *
 * <p>{@link #run} and {@link #close} are for the feed's thread (close after run returned);
 * {@link #wakeup}, {@link #consumed} and the counters for any thread.
 */
public interface RecordFeed extends AutoCloseable {

    /**
     * Hands every record to {@code target} until the feed is over (then {@link RecordTarget#end()})
     * or the thread is interrupted.
     */
    void run(RecordTarget target) throws InterruptedException;

    /** Records handed on so far. */
    long recordsRead();

    /** Value bytes of the records handed on so far. */
    long bytesRead();

    /**
     * The record at ({@code partition}, {@code offset}) is done with: its batch was closed, or it was
     * dead-lettered. A live tail commits offsets only up to such records (at-least-once).
     */
    default void consumed(int partition, long offset) {
    }

    /** Interrupts a blocked {@link #run} from another thread. */
    void wakeup();

    @Override
    void close();
}
