package io.spritestream.loader.pipeline;

import io.spritestream.config.SettingText;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.batch.RejectSink;
import io.spritestream.loader.export.DeadLetterEntry;
import io.spritestream.loader.ingest.DeadLetterWriter;
import io.spritestream.loader.ingest.RecordFeed;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * What happens to a record that cannot become a sample ({@link BadRecordPolicy}): it is counted by
 * reason and, by default, written to the dead-letter topic with its reason; a live tail counts it
 * as consumed; under {@code fail} the run stops naming it. Nothing is dropped silently.
 *
 * <p>{@link #rejected} on the assembler thread (in delivery order); {@link #checkNoFailure} from any
 * thread; {@link #close} once the assembler no longer sends.
 */
final class RejectPolicy implements RejectSink, AutoCloseable {

    private final BadRecordPolicy policy;
    private final String topic;
    private final LoaderStats stats;
    private final RecordFeed feed;
    private final DeadLetterWriter deadLetters;
    private boolean closed;

    RejectPolicy(BadRecordPolicy policy, KafkaSettings kafka, String topic, LoaderStats stats, RecordFeed feed) {
        this.policy = policy;
        this.topic = topic;
        this.stats = stats;
        this.feed = feed;
        this.deadLetters = policy == BadRecordPolicy.DLQ ? new DeadLetterWriter(kafka, topic) : null;
    }

    @Override
    public void rejected(BatchSlots slots, int slot) {
        if (policy == BadRecordPolicy.FAIL) {
            throw new BadRecordException(SettingText.format("bad record %s/%s/%s (key %s): %s: %s ({on-bad-record} fail)",
                    topic, slots.partition(slot), slots.offset(slot), keyText(slots, slot), slots.reject(slot).code(),
                    slots.error(slot)));
        }
        stats.rejectedIn(slots.epoch(), slots.reject(slot));
        stats.name(new DeadLetterEntry(slots.key(slot) == null ? null : keyText(slots, slot), slots.partition(slot),
                slots.offset(slot), slots.reject(slot).code(), slots.error(slot)));
        feed.consumed(slots.partition(slot), slots.offset(slot));
        if (deadLetters != null) {
            deadLetters.send(slots.partition(slot), slots.offset(slot), slots.key(slot), slots.value(slot),
                    slots.label(slot), slots.reject(slot).code(), slots.error(slot));
        }
    }

    private static String keyText(BatchSlots slots, int slot) {
        ByteBuffer key = slots.key(slot);
        return key == null ? "none" : StandardCharsets.UTF_8.decode(key.duplicate()).toString();
    }

    /** Throws if a dead letter could not be written: the run stops rather than lose the record. */
    void checkNoFailure() {
        if (deadLetters != null) {
            deadLetters.checkNoFailure();
        }
    }

    /** Waits for every dead letter to be written; throws if one could not be. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (deadLetters != null) {
            deadLetters.close();
        }
    }
}
