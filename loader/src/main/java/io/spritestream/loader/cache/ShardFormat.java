package io.spritestream.loader.cache;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * The layout of a shard file: the decoded samples of one block of consecutive offsets of one
 * partition, for one cache key. All numbers little-endian.
 *
 * <pre>
 * 0            header, one page ({@link #HEADER_BYTES}); its last field is a CRC32C of the rest
 * 4096         index: one {@link #ENTRY_BYTES}-byte entry per offset of the block
 * data         page-aligned: {@code count} slots of {@code sampleBytes}, the samples in the order they
 *              were decoded (an entry names its sample's slot)
 * meta         the label table (int n; n x (short length, UTF-8 bytes)), then the keys' bytes
 * </pre>
 *
 * <p>Header: magic {@code SPRSHARD}, format, partition, start offset, count, sample bytes, width,
 * height, channels, fit (ordinal), index/data/meta offsets, meta length, the topic id (two longs),
 * the decoder version (length and 64 bytes), a CRC32C of the index and meta, a CRC32C of the header.
 *
 * <p>Entry: state (byte), pad, label id (short, -1 none), CRC32C of the sample (int), timestamp
 * (long), key offset into meta (int), key length (int, -1 for no key), the sample's data slot (int,
 * -1 for an entry without a sample), 4 reserved bytes. Format 1 kept samples in offset order.
 */
final class ShardFormat {

    static final long MAGIC = 0x445241485352_5053L; // "SPRSHARD" read little-endian
    static final int FORMAT = 2;
    static final int HEADER_BYTES = 4096;
    static final int ENTRY_BYTES = 32;
    static final int DECODER_BYTES = 64;

    /** An offset of the block not accounted for (a writer that never finished it; never published). */
    static final byte NONE = 0;
    /** A decoded sample. */
    static final byte SAMPLE = 1;
    /** The offset does not exist in the topic (a gap); skipped, as the Kafka path skips it. */
    static final byte MISSING = 2;
    /** A record the writing run did not decode (the other side of a split, another rank's): key kept. */
    static final byte SKIPPED = 3;
    /** A record that could not become a sample: never served, the run that needs it reads it from Kafka. */
    static final byte BAD = 4;

    // Header field offsets.
    static final int H_MAGIC = 0;
    static final int H_FORMAT = 8;
    static final int H_PARTITION = 12;
    static final int H_START = 16;
    static final int H_COUNT = 24;
    static final int H_SAMPLE_BYTES = 28;
    static final int H_WIDTH = 32;
    static final int H_HEIGHT = 36;
    static final int H_CHANNELS = 40;
    static final int H_FIT = 44;
    static final int H_INDEX_OFFSET = 48;
    static final int H_DATA_OFFSET = 56;
    static final int H_META_OFFSET = 64;
    static final int H_META_BYTES = 72;
    static final int H_TOPIC_MSB = 80;
    static final int H_TOPIC_LSB = 88;
    static final int H_DECODER_LENGTH = 96;
    static final int H_DECODER = 100;
    static final int H_INDEX_CRC = H_DECODER + DECODER_BYTES;
    static final int H_HEADER_CRC = H_INDEX_CRC + 4;

    // Entry field offsets.
    static final int E_STATE = 0;
    static final int E_LABEL = 2;
    static final int E_CRC = 4;
    static final int E_TIMESTAMP = 8;
    static final int E_KEY_OFFSET = 16;
    static final int E_KEY_LENGTH = 20;
    static final int E_SLOT = 24;

    private ShardFormat() {}

    static long dataOffset(int count) {
        return pageAlign((long) HEADER_BYTES + (long) ENTRY_BYTES * count);
    }

    static long pageAlign(long bytes) {
        return (bytes + 4095) & ~4095L;
    }

    static ByteBuffer littleEndian(ByteBuffer b) {
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** CRC32C of {@code length} bytes of {@code b} from {@code at}, without moving its position. */
    static int crc(CRC32C crc, ByteBuffer b, int at, int length) {
        crc.reset();
        crc.update(b.slice(at, length));
        return (int) crc.getValue();
    }

    static byte[] decoderBytes(String decoder) {
        byte[] bytes = decoder.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > DECODER_BYTES) {
            throw new IllegalArgumentException("decoder version longer than " + DECODER_BYTES + " bytes: " + decoder);
        }
        return bytes;
    }
}
