package io.spritestream.loader.ingest;

import io.spritestream.record.SpriteRecords;
import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One sprite record as the pipeline sees it, without Kafka's types: where it came from, its key,
 * its label and its encoded bytes. A flyweight: a feed points one view at record after record, so
 * a {@link RecordTarget} must take what it needs before it returns (the key and value buffers
 * themselves may be kept: they are views of Kafka's fetch buffers, not of the view).
 *
 * <p>Confined to the thread of the feed that owns it.
 */
public final class RecordView {

    private ConsumerRecord<ByteBuffer, ByteBuffer> record;
    private byte[] label;

    /** Points this view at {@code next}, whose label was already read ({@link #labelOf}). */
    RecordView of(ConsumerRecord<ByteBuffer, ByteBuffer> next, byte[] nextLabel) {
        this.record = next;
        this.label = nextLabel;
        return this;
    }

    public int partition() {
        return record.partition();
    }

    public long offset() {
        return record.offset();
    }

    /** The record's timestamp (ms since the epoch), or -1 if it has none. */
    public long timestamp() {
        return record.timestamp();
    }

    /** The key (a view of the fetch buffer), or null. */
    public ByteBuffer key() {
        return record.key();
    }

    /** The first {@code label} header's value (UTF-8), or null. */
    public byte[] label() {
        return label;
    }

    /** The encoded image (a view of the fetch buffer), or null. */
    public ByteBuffer value() {
        return record.value();
    }

    /**
     * The value of the record's first {@code label} header, or null. The producer writes the label
     * first: looking forward decodes one header key per record where {@code lastHeader} decodes
     * every key (Kafka turns each key into a String on first access).
     */
    static byte[] labelOf(ConsumerRecord<?, ?> record) {
        for (Header h : record.headers()) {
            if (SpriteRecords.LABEL.equals(h.key())) {
                return h.value();
            }
        }
        return null;
    }
}
