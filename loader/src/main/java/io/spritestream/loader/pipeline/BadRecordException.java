package io.spritestream.loader.pipeline;

/** {@code --on-bad-record fail}: the run stopped at a record that could not become a sample. */
public final class BadRecordException extends RuntimeException {
    public BadRecordException(String message) {
        super(message);
    }
}
