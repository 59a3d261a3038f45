package io.spritestream.producer;

/** Producing failed; the message is one line meant for the user. */
public final class ProduceException extends RuntimeException {
    public ProduceException(String message, Throwable cause) {
        super(message, cause);
    }
}
