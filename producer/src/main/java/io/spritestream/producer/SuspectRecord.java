package io.spritestream.producer;

/**
 * A record sent although its bytes do not look like a whole image of its content type
 * ({@link io.spritestream.producer.source.HeaderCheck}): the loader dead-letters it if it cannot
 * decode it, which keeps a record of the bad input on Kafka.
 *
 * @param key    the record's key (a folder's file: its relative path)
 * @param reason what the check saw, e.g. {@code text, not a PNG}
 */
public record SuspectRecord(String key, String reason) {}
