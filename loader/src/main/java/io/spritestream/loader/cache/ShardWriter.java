package io.spritestream.loader.cache;

import io.spritestream.files.OwnerOnly;
import static io.spritestream.loader.cache.ShardFormat.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.zip.CRC32C;

/**
 * Writes the shard of one block as its records go through the pipeline: decoded samples are copied
 * in by the decoder threads that made them ({@link #sample}), and the other records are accounted
 * for as they are met (a gap, a record this run does not decode, a bad one). Once every offset of
 * the block is accounted for, the cache's writer thread publishes the shard: the index, the
 * metadata and the header are written, and the temporary file is renamed to its final name. A
 * process killed before that leaves only a temporary file, which is never read and is swept later.
 *
 * <p>Samples take the data region's slots in the order they are decoded (the index says which slot
 * holds which offset): in a shuffled epoch a block's samples arrive spread over most of the epoch, so
 * a block written in offset order would need its whole data staged until its last sample came (every
 * block of the epoch at once) or one positional write a sample (each ~20 us of file-system work on a
 * decoder). In arrival order, a decoder copies the sample into the block's current chunk of staging
 * memory (a few hundred KB, while the sample is still in the CPU's cache) and the writer thread
 * appends each full chunk with one write. Without staging memory (the process's budget in use), a
 * sample is written to its slot at once.
 *
 * <p>Each offset is accounted for once (the first mark wins: a record used twice in one order is
 * written once). Thread-safe: each offset, and each slot, is written by one thread.
 */
public final class ShardWriter {

    private final DecodedCache cache;
    private final CacheKey key;
    private final Path temp;
    private final Path target;
    private final int partition;
    private final long start;
    private final int count;
    private final int sampleBytes;
    private final long dataOffset;
    /** Open until the shard is published or given up. */
    private final FileChannel file;
    /** The data region's slots, taken in arrival order and staged in chunks. */
    private final SlotChunks data;
    private final AtomicIntegerArray states;
    /** Per offset: the data slot of its sample. */
    private final int[] slots;
    private final int[] crcs;
    private final long[] timestamps;
    private final byte[][] keys;
    private final byte[][] labels;
    private final AtomicInteger unaccounted;
    private volatile boolean failed;
    private long publishedBytes;
    /** Bytes of the shard this one replaced (another writer's of the same block), or 0. */
    private long replacedBytes;
    /** Counted down once the shard is published, or given up. */
    private final java.util.concurrent.CountDownLatch settled = new java.util.concurrent.CountDownLatch(1);

    ShardWriter(DecodedCache cache, CacheKey key, Path temp, Path target, int partition, long start, int count)
            throws IOException {
        this.cache = cache;
        this.key = key;
        this.temp = temp;
        this.target = target;
        this.partition = partition;
        this.start = start;
        this.count = count;
        this.sampleBytes = key.pixels().sampleBytes();
        this.dataOffset = dataOffset(count);
        this.file = OwnerOnly.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.data = new SlotChunks(count, sampleBytes);
        this.states = new AtomicIntegerArray(count);
        this.slots = new int[count];
        this.crcs = new int[count];
        this.timestamps = new long[count];
        this.keys = new byte[count][];
        this.labels = new byte[count][];
        this.unaccounted = new AtomicInteger(count);
    }

    public int partition() {
        return partition;
    }

    public long start() {
        return start;
    }

    public long end() {
        return start + count;
    }

    /**
     * The decoded sample of {@code offset}: {@code sampleBytes} of {@code from} at {@code at}, copied
     * into the shard's next slot with its checksum (decoder thread).
     *
     * @param crc the calling thread's own checksum object
     */
    public void sample(long offset, ByteBuffer from, int at, ByteBuffer key, byte[] label, long timestamp, CRC32C crc) {
        int i = index(offset);
        if (!states.compareAndSet(i, NONE, -1)) {
            return;
        }
        int slot = data.take();
        slots[i] = slot;
        crcs[i] = ShardFormat.crc(crc, from, at, sampleBytes);
        if (!data.stage(slot, from, at)) {
            writeSlot(from.slice(at, sampleBytes), slot);
        }
        int whole = data.filled(slot);
        if (whole >= 0) {
            cache.append(this, whole); // the writer thread appends it
        }
        remember(i, key, label, timestamp);
        account(i, SAMPLE);
    }

    /** Writes chunk {@code c}'s staged samples to their slots and frees its memory (the writer thread). */
    void writeChunk(int c) {
        writeStaged(c, data.chunkSize(c));
    }

    private void writeStaged(int c, int samples) {
        ByteBuffer b = data.staged(c);
        if (b == null) {
            return;
        }
        try {
            if (!failed && samples > 0) {
                write(file, b.slice(0, samples * sampleBytes), dataOffset + data.offset(c));
            }
        } catch (IOException e) {
            failed = true;
            cache.writeFailed(this, e);
        } finally {
            SlotChunks.give(b);
        }
    }

    private void writeSlot(ByteBuffer sample, int slot) {
        try {
            write(file, sample, dataOffset + (long) slot * sampleBytes);
        } catch (IOException e) {
            failed = true;
            cache.writeFailed(this, e);
        }
    }

    /** {@code offset} does not exist in the topic. */
    public void missing(long offset) {
        int i = index(offset);
        if (states.compareAndSet(i, NONE, -1)) {
            account(i, MISSING);
        }
    }

    /** The record of {@code offset} is not decoded by this run (the other side of a split, another rank's). */
    public void skipped(long offset, ByteBuffer key, byte[] label, long timestamp) {
        mark(offset, SKIPPED, key, label, timestamp);
    }

    /** The record of {@code offset} could not become a sample (it is dead-lettered; never served from here). */
    public void bad(long offset, ByteBuffer key, byte[] label, long timestamp) {
        mark(offset, BAD, key, label, timestamp);
    }

    private void mark(long offset, byte state, ByteBuffer key, byte[] label, long timestamp) {
        int i = index(offset);
        if (states.compareAndSet(i, NONE, -1)) {
            remember(i, key, label, timestamp);
            account(i, state);
        }
    }

    private int index(long offset) {
        long i = offset - start;
        if (i < 0 || i >= count) {
            throw new IllegalArgumentException("offset " + offset + " is outside " + this);
        }
        return (int) i;
    }

    private void remember(int i, ByteBuffer key, byte[] label, long timestamp) {
        if (key != null) {
            byte[] k = new byte[key.remaining()];
            key.duplicate().get(k);
            keys[i] = k;
        }
        labels[i] = label;
        timestamps[i] = timestamp;
    }

    /**
     * The offset's final state; the thread that accounts for the block's last offset hands the shard
     * to the cache's writer thread, which publishes it (a decoder does not wait for the file system).
     */
    private void account(int i, byte state) {
        states.set(i, state);
        if (unaccounted.decrementAndGet() == 0) {
            cache.complete(this);
        }
    }

    /** Gives up the shard (the run stops before it is whole): its temporary file is deleted. */
    void abandon() {
        failed = true;
        data.releaseAll();
        closeFile();
        deleteTemp();
        settled.countDown();
    }

    /**
     * Waits up to {@code timeout} until the shard is published (or given up): a block the run read
     * in one epoch and needs again in the next is better taken from the cache a moment later than
     * fetched and decoded twice.
     *
     * @return whether it is settled
     */
    public boolean awaitSettled(java.time.Duration timeout) throws InterruptedException {
        return settled.await(timeout.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    private void closeFile() {
        try {
            file.close();
        } catch (IOException ignored) {
            // the temporary file goes anyway
        }
    }

    /**
     * Writes the staged samples, the index, the metadata and the header, then renames into place;
     * false if that failed. The cache's writer thread, once every offset is accounted for.
     */
    boolean publish() {
        try {
            return publishStaged();
        } finally {
            data.releaseAll();
        }
    }

    /** The cache knows the outcome of {@link #publish} (it serves the shard, or not): waiters go on. */
    void settle() {
        settled.countDown();
    }

    private boolean publishStaged() {
        if (failed) {
            closeFile();
            deleteTemp();
            return false;
        }
        try {
            // The chunks that never filled: the block's last one, and those its skipped and bad offsets left short.
            for (int c = 0; c < data.chunks(); c++) {
                writeStaged(c, data.taken(c));
            }
            if (failed) {
                throw new IOException("a write of the shard failed");
            }
            mergeFromPublished();
            byte[] meta = meta();
            ByteBuffer index = littleEndian(ByteBuffer.allocate(ENTRY_BYTES * count));
            int keyAt = 4 + labelTableBytes();
            Map<String, Short> labelIds = labelIds();
            for (int i = 0; i < count; i++) {
                int e = i * ENTRY_BYTES;
                index.put(e + E_STATE, (byte) states.get(i));
                index.putShort(e + E_LABEL, labels[i] == null ? -1 : labelIds.get(new String(labels[i],
                        java.nio.charset.StandardCharsets.ISO_8859_1)));
                index.putInt(e + E_CRC, crcs[i]);
                index.putLong(e + E_TIMESTAMP, timestamps[i]);
                index.putInt(e + E_KEY_OFFSET, keys[i] == null ? 0 : keyAt);
                index.putInt(e + E_KEY_LENGTH, keys[i] == null ? -1 : keys[i].length);
                index.putInt(e + E_SLOT, states.get(i) == SAMPLE ? slots[i] : -1);
                if (keys[i] != null) {
                    keyAt += keys[i].length;
                }
            }
            long metaOffset = dataOffset + (long) count * sampleBytes;
            publishedBytes = metaOffset + meta.length;
            ByteBuffer header = header(index, meta, metaOffset);
            try (file) {
                write(file, index.position(0), HEADER_BYTES);
                write(file, ByteBuffer.wrap(meta), metaOffset);
                write(file, header, 0);
            }
            move();
            return true;
        } catch (IOException | RuntimeException e) {
            cache.writeFailed(this, e);
            closeFile();
            deleteTemp();
            return false;
        }
    }

    /**
     * Samples a shard already published for this block has and this one does not (another side of
     * a split, another rank's records) are carried over, so that writers of one block add up rather
     * than replace each other.
     */
    private void mergeFromPublished() {
        if (!Files.isRegularFile(target)) {
            return;
        }
        try (Shard old = Shard.open(target, key)) {
            if (old.start() != start || old.count() != count) {
                return;
            }
            CRC32C crc = new CRC32C();
            ByteBuffer sample = ByteBuffer.allocateDirect(sampleBytes);
            for (int i = 0; i < count; i++) {
                int state = states.get(i);
                long offset = start + i;
                if ((state == SKIPPED || state == BAD) && old.hasSample(offset) && old.copyTo(offset, sample, 0, crc)
                        && writeQuietly(sample, dataOffset + (long) data.used() * sampleBytes)) {
                    slots[i] = data.take();
                    crcs[i] = ShardFormat.crc(crc, sample, 0, sampleBytes);
                    ByteBuffer k = old.key(offset);
                    keys[i] = null;
                    remember(i, k, old.label(offset), old.timestamp(offset));
                    states.set(i, SAMPLE);
                }
            }
        } catch (IOException e) {
            // a damaged or unreadable one is simply replaced, with what was carried over so far
        }
    }

    private boolean writeQuietly(ByteBuffer b, long at) {
        try {
            write(file, b.duplicate().clear(), at);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private Map<String, Short> labelIds() {
        Map<String, Short> ids = new LinkedHashMap<>();
        for (byte[] l : labels) {
            if (l != null) {
                ids.putIfAbsent(new String(l, java.nio.charset.StandardCharsets.ISO_8859_1), (short) ids.size());
            }
        }
        return ids;
    }

    private int labelTableBytes() {
        int bytes = 0;
        for (String l : labelIds().keySet()) {
            bytes += 2 + l.length();
        }
        return bytes;
    }

    private byte[] meta() {
        Map<String, Short> ids = labelIds();
        int keyBytes = Arrays.stream(keys).mapToInt(k -> k == null ? 0 : k.length).sum();
        ByteBuffer meta = littleEndian(ByteBuffer.allocate(4 + labelTableBytes() + keyBytes));
        meta.putInt(ids.size());
        for (String l : ids.keySet()) {
            byte[] b = l.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
            meta.putShort((short) b.length);
            meta.put(b);
        }
        for (byte[] k : keys) {
            if (k != null) {
                meta.put(k);
            }
        }
        return meta.array();
    }

    private ByteBuffer header(ByteBuffer index, byte[] meta, long metaOffset) {
        ByteBuffer h = littleEndian(ByteBuffer.allocate(HEADER_BYTES));
        h.putLong(H_MAGIC, MAGIC);
        h.putInt(H_FORMAT, FORMAT);
        h.putInt(H_PARTITION, partition);
        h.putLong(H_START, start);
        h.putInt(H_COUNT, count);
        h.putInt(H_SAMPLE_BYTES, sampleBytes);
        h.putInt(H_WIDTH, key.pixels().width());
        h.putInt(H_HEIGHT, key.pixels().height());
        h.putInt(H_CHANNELS, key.pixels().channels());
        h.putInt(H_FIT, key.pixels().fit().ordinal());
        h.putLong(H_INDEX_OFFSET, HEADER_BYTES);
        h.putLong(H_DATA_OFFSET, dataOffset);
        h.putLong(H_META_OFFSET, metaOffset);
        h.putLong(H_META_BYTES, meta.length);
        h.putLong(H_TOPIC_MSB, key.topicId().getMostSignificantBits());
        h.putLong(H_TOPIC_LSB, key.topicId().getLeastSignificantBits());
        byte[] decoder = decoderBytes(key.decoder());
        h.putInt(H_DECODER_LENGTH, decoder.length);
        h.put(H_DECODER, decoder);
        CRC32C crc = new CRC32C();
        crc.update(index.duplicate().position(0));
        crc.update(meta);
        h.putInt(H_INDEX_CRC, (int) crc.getValue());
        h.putInt(H_HEADER_CRC, ShardFormat.crc(crc, h, 0, H_HEADER_CRC));
        return h;
    }

    private static void write(FileChannel ch, ByteBuffer b, long at) throws IOException {
        long p = at;
        while (b.hasRemaining()) {
            p += ch.write(b, p);
        }
    }

    private void move() throws IOException {
        replacedBytes = Files.isRegularFile(target) ? Files.size(target) : 0;
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void deleteTemp() {
        try {
            Files.deleteIfExists(temp);
        } catch (IOException ignored) {
            // swept by the next run that opens the cache
        }
    }

    /** Metadata bytes reserved per offset before the keys are known (keys are short paths or ids). */
    static final int META_RESERVE = 256;

    /** Bytes reserved for the published file: the header, index and samples, and room for the metadata. */
    long bytes() {
        return dataOffset + (long) count * (sampleBytes + META_RESERVE);
    }

    /** Bytes of the published file (once published). */
    long publishedBytes() {
        return publishedBytes;
    }

    /** Bytes of the file it replaced when published, or 0. */
    long replacedBytes() {
        return replacedBytes;
    }

    @Override
    public String toString() {
        return "shard " + partition + ":[" + start + "," + end() + ") of " + key.topic();
    }
}
