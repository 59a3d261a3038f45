package io.spritestream.kafka;

/** Kafka did not answer within the time bound; the message is one line meant for the user. */
public final class KafkaUnreachableException extends RuntimeException {
    public KafkaUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
