package io.spritestream.loader.ingest;

import io.spritestream.loader.cache.Shard;
import io.spritestream.loader.cache.ShardWriter;
import io.spritestream.record.SpriteRecords;
import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One sprite record as the pipeline sees it, without Kafka's types: where it came from, its key,
 * its label, and either its encoded bytes (read from Kafka) or its decoded sample in the
 * decoded-sample cache ({@link #cached()}). A flyweight: a feed points one view at record after
 * record, so a {@link RecordTarget} must take what it needs before it returns (the key and value
 * buffers themselves may be kept: they are views of Kafka's fetch buffers or of a cache mapping,
 * not of the view).
 *
 * <p>Confined to the thread of the feed that owns it.
 */
public final class RecordView {

    private ConsumerRecord<ByteBuffer, ByteBuffer> record;
    private byte[] label;
    private ShardWriter writer;
    private Shard cached;
    private int partition;
    private long offset;
    private ByteBuffer cachedKey;

    /**
     * Points this view at {@code next}, whose label was already read ({@link #labelOf});
     * {@code shardWriter} takes its decoded sample into the cache, or is null.
     */
    RecordView of(ConsumerRecord<ByteBuffer, ByteBuffer> next, byte[] nextLabel, ShardWriter shardWriter) {
        this.record = next;
        this.label = nextLabel;
        this.writer = shardWriter;
        this.cached = null;
        this.cachedKey = null;
        this.partition = next.partition();
        this.offset = next.offset();
        return this;
    }

    /** Points this view at the record of ({@code p}, {@code o}) in {@code shard} (no Kafka record). */
    RecordView ofCached(Shard shard, int p, long o) {
        this.record = null;
        this.writer = null;
        this.cached = shard;
        this.partition = p;
        this.offset = o;
        this.label = shard.label(o);
        this.cachedKey = shard.key(o);
        return this;
    }

    public int partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    /** The record's timestamp (ms since the epoch), or -1 if it has none. */
    public long timestamp() {
        return cached != null ? cached.timestamp(offset) : record.timestamp();
    }

    /** The key (a view of the fetch buffer or of the cache), or null. */
    public ByteBuffer key() {
        return cached != null ? cachedKey : record.key();
    }

    /** The first {@code label} header's value (UTF-8), or null. */
    public byte[] label() {
        return label;
    }

    /** The encoded image (a view of the fetch buffer), or null (always, for a record from the cache). */
    public ByteBuffer value() {
        return record == null ? null : record.value();
    }

    /**
     * The cache shard that holds this record's decoded sample, or null if it was read from Kafka.
     * A record from the cache that has no sample ({@link Shard#hasSample}) is one the run skips.
     */
    public Shard cached() {
        return cached;
    }

    /** Where this record's decoded sample goes in the cache, or null (no cache, or from the cache). */
    public ShardWriter cacheWriter() {
        return writer;
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
