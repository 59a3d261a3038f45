package io.spritestream.loader.cache;

import static io.spritestream.loader.cache.ShardFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A published shard, mapped read-only and checked: its header matches the cache key, and the
 * checksum of its index and metadata holds. Each sample's own checksum is checked when it is
 * copied out ({@link #copyTo}). The mapping is shared with every process that maps the file (the
 * OS page cache), never copied into the heap.
 *
 * <p>Immutable and thread-safe: decoder threads copy samples out of it concurrently.
 */
public final class Shard {

    private final Path file;
    private final int partition;
    private final long start;
    private final int count;
    private final int sampleBytes;
    private final long dataOffset;
    private final long metaOffset;
    private final ByteBuffer map;
    private final byte[][] labels;

    private Shard(Path file, ByteBuffer map, int partition, long start, int count, int sampleBytes, long dataOffset,
                  long metaOffset, byte[][] labels) {
        this.file = file;
        this.map = map;
        this.partition = partition;
        this.start = start;
        this.count = count;
        this.sampleBytes = sampleBytes;
        this.dataOffset = dataOffset;
        this.metaOffset = metaOffset;
        this.labels = labels;
    }

    /** A shard's file name and its folder's: {@code p<P>/p<P>-<start>-<end>.shard}. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("p(\\d+)-(\\d+)-(\\d+)\\.shard");

    /**
     * Maps and checks the shard file: before a byte of it is used, it must be a regular file (not a
     * link, a FIFO, a device) whose header proves it is the shard its place names: that partition and
     * that block of offsets ({@code p<P>/p<P>-<start>-<end>.shard}), of {@code key}'s topic, pixel
     * spec and decoder, whole and with its checksums right.
     *
     * @throws CorruptShardException if it is not (a shard of another block or partition copied here,
     *                               a wrong header, a checksum that fails, a size that does not add up)
     */
    static Shard open(Path file, CacheKey key) throws IOException {
        java.util.regex.Matcher name = NAME.matcher(file.getFileName().toString());
        Path folder = file.getParent();
        if (!name.matches() || folder == null || !folder.getFileName().toString().equals("p" + name.group(1))) {
            throw new CorruptShardException(file + ": not where a shard is kept (p<P>/p<P>-<start>-<end>.shard)");
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new java.nio.file.NoSuchFileException(file.toString());
            }
            throw new CorruptShardException(file + ": not a regular file");
        }
        Shard shard = map(file, key);
        int partition = Integer.parseInt(name.group(1));
        long start = Long.parseLong(name.group(2));
        long end = Long.parseLong(name.group(3));
        if (shard.partition != partition || shard.start != start || shard.end() != end) {
            throw new CorruptShardException(file + ": holds partition " + shard.partition + " [" + shard.start + ", "
                    + shard.end() + "), not the partition " + partition + " [" + start + ", " + end + ") its name says");
        }
        return shard;
    }

    private static Shard map(Path file, CacheKey key) throws IOException {
        MappedByteBuffer mapped;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size < HEADER_BYTES || size > Integer.MAX_VALUE) {
                throw new CorruptShardException(file + ": " + size + " bytes");
            }
            mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        }
        ByteBuffer m = littleEndian(mapped);
        CRC32C crc = new CRC32C();
        if (m.getLong(H_MAGIC) != MAGIC || m.getInt(H_FORMAT) != FORMAT
                || m.getInt(H_HEADER_CRC) != ShardFormat.crc(crc, m, 0, H_HEADER_CRC)) {
            throw new CorruptShardException(file + ": not a shard of format " + FORMAT + " (or its header is damaged)");
        }
        int count = m.getInt(H_COUNT);
        int sampleBytes = m.getInt(H_SAMPLE_BYTES);
        long dataOffset = m.getLong(H_DATA_OFFSET);
        long metaOffset = m.getLong(H_META_OFFSET);
        long metaBytes = m.getLong(H_META_BYTES);
        boolean keyed = m.getLong(H_TOPIC_MSB) == key.topicId().getMostSignificantBits()
                && m.getLong(H_TOPIC_LSB) == key.topicId().getLeastSignificantBits()
                && m.getInt(H_WIDTH) == key.pixels().width() && m.getInt(H_HEIGHT) == key.pixels().height()
                && m.getInt(H_CHANNELS) == key.pixels().channels() && m.getInt(H_FIT) == key.pixels().fit().ordinal()
                && sampleBytes == key.pixels().sampleBytes() && decoderOf(m).equals(key.decoder());
        if (!keyed || count < 1 || dataOffset != dataOffset(count)
                || metaOffset != dataOffset + (long) count * sampleBytes || metaOffset + metaBytes != m.capacity()) {
            throw new CorruptShardException(file + ": its header does not describe a shard of " + key);
        }
        crc.reset();
        crc.update(m.slice(HEADER_BYTES, ENTRY_BYTES * count));
        crc.update(m.slice((int) metaOffset, (int) metaBytes));
        if ((int) crc.getValue() != m.getInt(H_INDEX_CRC)) {
            throw new CorruptShardException(file + ": the checksum of its index fails");
        }
        byte[][] labels = labelTable(m, (int) metaOffset);
        return new Shard(file, m, m.getInt(H_PARTITION), m.getLong(H_START), count, sampleBytes, dataOffset, metaOffset,
                labels);
    }

    private static String decoderOf(ByteBuffer m) {
        int length = m.getInt(H_DECODER_LENGTH);
        if (length < 0 || length > DECODER_BYTES) {
            return "";
        }
        byte[] b = new byte[length];
        m.get(H_DECODER, b);
        return new String(b, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[][] labelTable(ByteBuffer m, int at) {
        int n = m.getInt(at);
        byte[][] table = new byte[n][];
        int p = at + 4;
        for (int i = 0; i < n; i++) {
            int length = m.getShort(p) & 0xFFFF;
            table[i] = new byte[length];
            m.get(p + 2, table[i]);
            p += 2 + length;
        }
        return table;
    }

    public Path file() {
        return file;
    }

    /** The first offset of the block. */
    public long start() {
        return start;
    }

    /** One past the last offset of the block. */
    public long end() {
        return start + count;
    }

    public int count() {
        return count;
    }

    private int entry(long offset) {
        return HEADER_BYTES + ENTRY_BYTES * (int) (offset - start);
    }

    /** The state of {@code offset} ({@link ShardFormat#SAMPLE}, ...). */
    byte state(long offset) {
        return map.get(entry(offset) + E_STATE);
    }

    public boolean hasSample(long offset) {
        return state(offset) == SAMPLE;
    }

    public boolean isMissing(long offset) {
        return state(offset) == MISSING;
    }

    public long timestamp(long offset) {
        return map.getLong(entry(offset) + E_TIMESTAMP);
    }

    /** The record's key (a read-only view of the mapping), or null. */
    public ByteBuffer key(long offset) {
        int e = entry(offset);
        int length = map.getInt(e + E_KEY_LENGTH);
        return length < 0 ? null : map.slice((int) metaOffset + map.getInt(e + E_KEY_OFFSET), length);
    }

    /** The record's label (UTF-8; one array per distinct label, shared), or null. */
    public byte[] label(long offset) {
        short id = map.getShort(entry(offset) + E_LABEL);
        return id < 0 ? null : labels[id];
    }

    /**
     * Copies the sample of {@code offset} to {@code target} at {@code targetOffset}, after checking
     * its checksum; nothing is copied if it fails.
     *
     * @param crc the calling thread's own checksum object
     * @return whether the checksum held
     */
    public boolean copyTo(long offset, ByteBuffer target, int targetOffset, CRC32C crc) {
        int e = entry(offset);
        int slot = map.getInt(e + E_SLOT);
        if (slot < 0 || slot >= count) {
            return false; // an index that names no slot of the data: damaged
        }
        int at = (int) (dataOffset + (long) sampleBytes * slot);
        if (ShardFormat.crc(crc, map, at, sampleBytes) != map.getInt(e + E_CRC)) {
            return false;
        }
        target.put(targetOffset, map, at, sampleBytes);
        return true;
    }

    @Override
    public String toString() {
        return file.getFileName() + " (partition " + partition + ", " + start + ".." + end() + ")";
    }
}
