package io.spritestream.producer;

import org.apache.kafka.clients.producer.Producer;

/**
 * What a {@link SpriteProducer} tells an observer (the metrics binder), as plain numbers: the core
 * knows nothing of how they are recorded. Every method has an empty default.
 *
 * <p>{@link #acknowledged} and {@link #failed} are called from Kafka's I/O thread, the others from
 * the thread calling {@link SpriteProducer#produce}; an implementation must be quick and must not
 * throw.
 */
public interface ProduceListener {

    /** Observes nothing. */
    ProduceListener NONE = new ProduceListener() { };

    /**
     * The Kafka producer of a stream was created. Observers may read its {@code metrics()} from any
     * thread until {@link #clientClosed}; they must not send or close.
     */
    default void clientOpened(Producer<?, ?> client) { }

    /** One record was acknowledged: {@code bytes} of value, {@code nanos} from send to acknowledgement. */
    default void acknowledged(int bytes, long nanos) { }

    /** One record was not written ({@code nanos} from send to the error). */
    default void failed(long nanos) { }

    /** The producer of a stream is about to be closed. */
    default void clientClosed(Producer<?, ?> client) { }
}
