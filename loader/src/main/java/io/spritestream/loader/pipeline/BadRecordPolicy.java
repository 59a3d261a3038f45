package io.spritestream.loader.pipeline;

/** What the loader does with a record that cannot become a sample ({@code --on-bad-record}). */
public enum BadRecordPolicy {
    /** Write it to {@code <topic>.dlq} with its reason, count it, and go on. The default. */
    DLQ,
    /** Count it by reason and go on, without writing it anywhere. */
    SKIP,
    /** Stop the run with the record's coordinates and reason. */
    FAIL
}
