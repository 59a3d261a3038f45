package io.spritestream.loader.feed;

import io.spritestream.files.OwnerOnly;
import io.spritestream.config.SettingText;
import io.spritestream.config.SettingsFailure;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabMemory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The feed's ring: one shared-memory file that is the loader's slab pool, viewed by another process
 * (the PyTorch side) without a copy. A header page, then one slot a slab, each slot the slab itself
 * (decoded pixels, written there by the decoders) followed by the batch's metadata in forms other
 * languages read directly. Little-endian; every offset is from the start of the file or of a slot.
 *
 * <pre>
 * header (4096 bytes)
 *   0  magic "SPRRING1"        8  version (int, 1)        12 header bytes (int, 4096)
 *   16 slots (int)             20 slot stride (int, a page multiple)
 *   24 batch B (int)           28 height H     32 width W     36 channels C
 *   40 pixels at (int, 0: uint8 [B, H, W, C])
 *   44 labels at (int: int64 [B], class ids; -1 unlabelled)
 *   48 partitions at (int: int32 [B])      52 offsets at (int: int64 [B])
 *   56 key starts at (int: int32 [B + 1], into the key bytes)
 *   60 key bytes at (int)                   64 key bytes per slot (int)
 *   72 the loader's process id (long)
 * slot i at 4096 + i * stride
 * </pre>
 *
 * <p>Which slot holds a batch, how many rows it has, and when the other side may reuse a slot are
 * said over the feed's pipes ({@link FeedRun}); the ring holds only bytes. The file is named
 * {@code spritestream-<pid>-<n>.ring}; the viewing side deletes it as soon as it has mapped it, the
 * loader when it ends, and a loader starting in the same folder sweeps those of dead processes.
 */
public final class Ring implements AutoCloseable {

    static final long MAGIC = 0x31474E4952525053L; // "SPRRING1" read little-endian
    static final int VERSION = 1;
    static final int HEADER_BYTES = 4096;
    /** Key bytes a row may use on average. */
    static final int KEY_BYTES_PER_ROW = 1024;
    private static final Pattern NAME = Pattern.compile("spritestream-(\\d+)-\\d+\\.ring");

    private final Path file;
    private final SlabLayout layout;
    private final int slots;
    private final int stride;
    private final int labelsAt;
    private final int partitionsAt;
    private final int offsetsAt;
    private final int keyStartsAt;
    private final int keyBytesAt;
    private final int keyBytes;
    private final MappedByteBuffer[] slotMaps;

    private Ring(Path file, SlabLayout layout, int slots) throws IOException {
        this.file = file;
        this.layout = layout;
        this.slots = slots;
        int b = layout.batch();
        this.labelsAt = align(layout.slabBytes(), 8);
        this.partitionsAt = labelsAt + 8 * b;
        this.offsetsAt = align(partitionsAt + 4 * b, 8);
        this.keyStartsAt = offsetsAt + 8 * b;
        this.keyBytesAt = keyStartsAt + 4 * (b + 1);
        this.keyBytes = KEY_BYTES_PER_ROW * b;
        this.stride = align(keyBytesAt + keyBytes, 4096);
        this.slotMaps = new MappedByteBuffer[slots];
    }

    /** Bytes a ring of {@code slots} slots of {@code layout} needs. */
    public static long bytes(SlabLayout layout, int slots) {
        try {
            return HEADER_BYTES + (long) slots * new Ring(null, layout, 0).stride;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Creates the ring in {@code dir} (after sweeping rings of dead processes there).
     *
     * @throws SettingsFailure if {@code dir} has not the room: the message says how much is needed,
     *                         how much there is, and what to do
     */
    public static Ring create(Path dir, SlabLayout layout, int slots) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new SettingsFailure(SettingText.format("{ring-dir}: %s is not a folder", dir), null);
        }
        sweep(dir);
        long needed = bytes(layout, slots);
        long free = Files.getFileStore(dir).getUsableSpace();
        if (needed > free) {
            throw tooSmall(dir, needed, free);
        }
        Path file = dir.resolve("spritestream-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".ring");
        Ring ring = new Ring(file, layout, slots);
        try (FileChannel ch = OwnerOnly.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            reserve(ch, needed, dir);
            MappedByteBuffer header = ch.map(FileChannel.MapMode.READ_WRITE, 0, HEADER_BYTES);
            ring.writeHeader(header.order(ByteOrder.LITTLE_ENDIAN));
            for (int i = 0; i < slots; i++) {
                ring.slotMaps[i] = ch.map(FileChannel.MapMode.READ_WRITE, HEADER_BYTES + (long) i * ring.stride,
                        ring.stride);
                ring.slotMaps[i].order(ByteOrder.LITTLE_ENDIAN);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return ring;
    }

    /**
     * Writes the whole file once, so that its memory is taken now: a sparse file on a tmpfs that
     * fills up later would kill the loader (SIGBUS) at the first write into a missing page.
     */
    private static void reserve(FileChannel ch, long needed, Path dir) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
        try {
            for (long at = 0; at < needed; ) {
                zeros.clear().limit((int) Math.min(zeros.capacity(), needed - at));
                at += ch.write(zeros, at);
            }
        } catch (IOException e) {
            if (String.valueOf(e.getMessage()).contains("No space left")) {
                throw tooSmall(dir, needed, Files.getFileStore(dir).getUsableSpace());
            }
            throw e;
        }
    }

    private static SettingsFailure tooSmall(Path dir, long needed, long free) {
        return new SettingsFailure(SettingText.format("shared memory: the ring needs %s in %s, which has %s free "
                + "(Docker's default is 64 MB: run the container with --shm-size=1g or more; or ask for fewer "
                + "{slabs}, a smaller {batch} or {size}; or give a roomier tmpfs as {ring-dir})", mb(needed), dir,
                mb(free)), null);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static int align(int v, int to) {
        return (v + to - 1) / to * to;
    }

    /** Deletes rings left in {@code dir} by processes that are gone. */
    static void sweep(Path dir) {
        try (DirectoryStream<Path> rings = Files.newDirectoryStream(dir, "spritestream-*.ring")) {
            for (Path r : rings) {
                Matcher m = NAME.matcher(r.getFileName().toString());
                if (m.matches() && !ProcessHandle.of(Long.parseLong(m.group(1))).map(ProcessHandle::isAlive)
                        .orElse(false)) {
                    Files.deleteIfExists(r);
                }
            }
        } catch (IOException e) {
            // nothing to sweep, or another process swept first
        }
    }

    private void writeHeader(ByteBuffer h) {
        h.putLong(0, MAGIC);
        h.putInt(8, VERSION);
        h.putInt(12, HEADER_BYTES);
        h.putInt(16, slots);
        h.putInt(20, stride);
        h.putInt(24, layout.batch());
        h.putInt(28, layout.height());
        h.putInt(32, layout.width());
        h.putInt(36, layout.channels());
        h.putInt(40, 0);
        h.putInt(44, labelsAt);
        h.putInt(48, partitionsAt);
        h.putInt(52, offsetsAt);
        h.putInt(56, keyStartsAt);
        h.putInt(60, keyBytesAt);
        h.putInt(64, keyBytes);
        h.putLong(72, ProcessHandle.current().pid());
    }

    /** The pool's memory: slab {@code i} is the start of slot {@code i}. */
    public SlabMemory memory() {
        return (index, bytes) -> slotMaps[index].slice(0, bytes);
    }

    /**
     * Writes {@code batch}'s metadata into its slot (its pixels are already there): labels as int64,
     * partitions, offsets and keys.
     *
     * <p>Every row's key gets at least {@link #KEY_BYTES_PER_ROW} bytes; a longer one may use what
     * the rows before it left unused, never what the rows after it are owed, and is cut beyond (at
     * a UTF-8 character's boundary).
     *
     * @return the number of keys cut short (0 almost always)
     */
    public int describe(SpriteBatch batch) {
        ByteBuffer slot = slotMaps[batch.slab()];
        int rows = batch.size();
        int at = 0;
        int cut = 0;
        for (int i = 0; i < rows; i++) {
            slot.putLong(labelsAt + 8 * i, batch.label(i));
            slot.putInt(partitionsAt + 4 * i, batch.partition(i));
            slot.putLong(offsetsAt + 8 * i, batch.offset(i));
            slot.putInt(keyStartsAt + 4 * i, at);
            ByteBuffer key = batch.keyBytes(i);
            if (key != null) {
                int room = keyBytes - at - KEY_BYTES_PER_ROW * (rows - 1 - i); // at least KEY_BYTES_PER_ROW
                int n = key.remaining() <= room ? key.remaining() : utf8Boundary(key, room);
                cut += n < key.remaining() ? 1 : 0;
                slot.put(keyBytesAt + at, key, key.position(), n);
                at += n;
            }
        }
        slot.putInt(keyStartsAt + 4 * rows, at);
        return cut;
    }

    /** The longest prefix of {@code key} of at most {@code limit} bytes that ends between UTF-8 characters. */
    private static int utf8Boundary(ByteBuffer key, int limit) {
        int n = limit;
        while (n > 0 && n > limit - 3 && (key.get(key.position() + n) & 0xC0) == 0x80) {
            n--; // the byte after the cut continues a character: cut before that character
        }
        return (key.get(key.position() + n) & 0xC0) == 0x80 ? limit : n;
    }

    public Path file() {
        return file;
    }

    public int slots() {
        return slots;
    }

    public int stride() {
        return stride;
    }

    /** Deletes the file if the viewing side has not already (the mappings stay valid until unmapped). */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // swept by the next loader that starts in this folder
        }
    }
}
