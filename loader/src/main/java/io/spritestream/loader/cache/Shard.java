package io.spritestream.loader.cache;

import static io.spritestream.loader.cache.ShardFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.zip.CRC32C;

/**
 * A published shard, checked: its header matches the cache key, and the checksum of its index and
 * metadata holds (both are read into the heap, a few kB). Its samples stay in the file and are read
 * straight into their batch slot (one positional read each, from the OS page cache that every
 * process reading the file shares), never through the heap. Each sample's own checksum is checked
 * when it is read ({@link #copyTo}), of the bytes read.
 *
 * <p>The file is read, not mapped: a mapped file truncated under the run raises SIGBUS on the next
 * read of a page it lost, which the JVM cannot always turn into an exception (a checksum
 * intrinsic over the mapping aborts the process; a bulk copy raises an asynchronous
 * {@link InternalError} somewhere after it). A read of a cut file just comes back short, and
 * costs the samples it lost (decoded again), never the process.
 *
 * <p>Thread-safe: decoder threads read samples out of it concurrently. Its file stays open until
 * {@link #close}.
 */
public final class Shard implements java.io.Closeable {

    private final Path file;
    private final int partition;
    private final long start;
    private final int count;
    private final int sampleBytes;
    /** The index, checked, in the heap. */
    private final ByteBuffer index;
    /** Where the first sample's slot starts in the file. */
    private final long dataOffset;
    /** The file's identity when it was checked: a file put in its place since is not read. */
    private final Object fileKey;
    /** Open for positional reads; opened again if another thread's interrupt closed it. */
    private volatile FileChannel channel;
    private boolean closed;
    /** The label table and the keys, checked, in the heap. */
    private final ByteBuffer meta;
    private final byte[][] labels;

    private Shard(Path file, FileChannel channel, Object fileKey, ByteBuffer index, long dataOffset, ByteBuffer meta,
                  int partition, long start, int count, int sampleBytes, byte[][] labels) {
        this.file = file;
        this.channel = channel;
        this.fileKey = fileKey;
        this.index = index;
        this.dataOffset = dataOffset;
        this.meta = meta;
        this.partition = partition;
        this.start = start;
        this.count = count;
        this.sampleBytes = sampleBytes;
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
        Shard shard = checked(file, key);
        int partition = Integer.parseInt(name.group(1));
        long start = Long.parseLong(name.group(2));
        long end = Long.parseLong(name.group(3));
        if (shard.partition != partition || shard.start != start || shard.end() != end) {
            throw new CorruptShardException(file + ": holds partition " + shard.partition + " [" + shard.start + ", "
                    + shard.end() + "), not the partition " + partition + " [" + start + ", " + end + ") its name says");
        }
        return shard;
    }

    private static Shard checked(Path file, CacheKey key) throws IOException {
        ByteBuffer m;
        ByteBuffer index;
        ByteBuffer meta;
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
        try {
            Object fileKey = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            long size = ch.size();
            if (size < HEADER_BYTES || size > Integer.MAX_VALUE) {
                throw new CorruptShardException(file + ": " + size + " bytes");
            }
            m = read(ch, file, 0, HEADER_BYTES);
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
                    || metaOffset != dataOffset + (long) count * sampleBytes || metaOffset + metaBytes != size) {
                throw new CorruptShardException(file + ": its header does not describe a shard of " + key);
            }
            // The index and metadata are read into the heap (a few kB): a file truncated or rewritten
            // under the run cannot change them once checked, nor fault on them.
            index = read(ch, file, HEADER_BYTES, ENTRY_BYTES * count);
            meta = read(ch, file, metaOffset, (int) metaBytes);
            crc.reset();
            crc.update(index.duplicate());
            crc.update(meta.duplicate());
            if ((int) crc.getValue() != m.getInt(H_INDEX_CRC)) {
                throw new CorruptShardException(file + ": the checksum of its index fails");
            }
            return new Shard(file, ch, fileKey, index, dataOffset, meta, m.getInt(H_PARTITION), m.getLong(H_START),
                    count, sampleBytes, labelTable(meta));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** {@code length} bytes of the file from {@code at}, read into the heap; fewer than that: damaged. */
    private static ByteBuffer read(FileChannel ch, Path file, long at, int length) throws IOException {
        ByteBuffer b = littleEndian(ByteBuffer.allocate(length));
        while (b.hasRemaining()) {
            if (ch.read(b, at + b.position()) < 0) {
                throw new CorruptShardException(file + ": shorter than its header says");
            }
        }
        return b.flip();
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

    private static byte[][] labelTable(ByteBuffer m) {
        int n = m.getInt(0);
        byte[][] table = new byte[n][];
        int p = 4;
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
        return ENTRY_BYTES * (int) (offset - start);
    }

    /** The state of {@code offset} ({@link ShardFormat#SAMPLE}, ...). */
    byte state(long offset) {
        return index.get(entry(offset) + E_STATE);
    }

    public boolean hasSample(long offset) {
        return state(offset) == SAMPLE;
    }

    public boolean isMissing(long offset) {
        return state(offset) == MISSING;
    }

    public long timestamp(long offset) {
        return index.getLong(entry(offset) + E_TIMESTAMP);
    }

    /** The record's key (a read-only view of the mapping), or null. */
    public ByteBuffer key(long offset) {
        int e = entry(offset);
        int length = index.getInt(e + E_KEY_LENGTH);
        return length < 0 ? null : meta.slice(index.getInt(e + E_KEY_OFFSET), length).asReadOnlyBuffer();
    }

    /** The record's label (UTF-8; one array per distinct label, shared), or null. */
    public byte[] label(long offset) {
        short id = index.getShort(entry(offset) + E_LABEL);
        return id < 0 ? null : labels[id];
    }

    /**
     * Reads the sample of {@code offset} into {@code target} at {@code targetOffset} and checks its
     * checksum there; false if it fails or the file ends before it (what was read is then not a
     * sample: the caller decodes the record into the same place).
     *
     * @param crc the calling thread's own checksum object
     * @return whether the sample was read whole and its checksum held
     * @throws IOException if the file could not be read, which says nothing of its bytes (this
     *                     thread was interrupted, the file was replaced, an I/O error)
     */
    public boolean copyTo(long offset, ByteBuffer target, int targetOffset, CRC32C crc) throws IOException {
        int e = entry(offset);
        int slot = index.getInt(e + E_SLOT);
        if (slot < 0 || slot >= count) {
            return false; // an index that names no slot of the data: damaged
        }
        ByteBuffer into = target.slice(targetOffset, sampleBytes);
        long at = dataOffset + (long) sampleBytes * slot;
        while (into.hasRemaining()) {
            if (read(into, at + into.position()) < 0) {
                return false; // cut short
            }
        }
        return ShardFormat.crc(crc, target, targetOffset, sampleBytes) == index.getInt(e + E_CRC);
    }

    private int read(ByteBuffer into, long at) throws IOException {
        try {
            return channel.read(into, at);
        } catch (java.nio.channels.ClosedChannelException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e; // this thread's interrupt closed it: it is stopping
            }
            return reopened().read(into, at);
        }
    }

    /** The channel, opened again if another thread's interrupt closed it, if the file is still this one. */
    private synchronized FileChannel reopened() throws IOException {
        if (closed) {
            throw new java.nio.channels.ClosedChannelException();
        }
        if (!channel.isOpen()) {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
            if (!java.util.Objects.equals(fileKey,
                    Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey())) {
                ch.close();
                throw new IOException(file + ": replaced since it was checked");
            }
            channel = ch;
        }
        return channel;
    }

    /** Closes the file; a read after it fails. */
    @Override
    public synchronized void close() throws IOException {
        closed = true;
        channel.close();
    }

    @Override
    public String toString() {
        return file.getFileName() + " (partition " + partition + ", " + start + ".." + end() + ")";
    }
}
