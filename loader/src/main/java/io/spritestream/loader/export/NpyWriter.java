package io.spritestream.loader.export;

import io.spritestream.files.OwnerOnly;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Writes a NumPy {@code .npy} file (format version 1.0) row by row, when the number of rows is not
 * known in advance: a fixed-size header is written first and rewritten with the final shape on
 * {@link #close()}. Rows are written from buffers straight to the file channel (direct buffers go
 * from native memory to the file, without a heap copy).
 *
 * <p>Single-threaded.
 */
public final class NpyWriter implements AutoCloseable {

    /** Total header size (magic, version, length, dict, padding): a multiple of 64, room for any shape. */
    private static final int HEADER_BYTES = 128;
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};

    private final FileChannel channel;
    private final String descr;
    private final int[] rowShape;
    private final long rowBytes;
    private long bytes;
    private boolean closed;

    /**
     * @param descr    NumPy dtype, e.g. {@code |u1} or {@code <i4}
     * @param itemSize bytes per element of {@code descr}
     * @param rowShape shape of one row (empty for a 1-d array)
     */
    public NpyWriter(Path file, String descr, int itemSize, int... rowShape) throws IOException {
        this(file, -1, descr, itemSize, rowShape);
    }

    /** {@code existingRows < 0}: a new file; else appends to a file this class wrote with that many rows. */
    private NpyWriter(Path file, long existingRows, String descr, int itemSize, int... rowShape) throws IOException {
        this.descr = descr;
        this.rowShape = rowShape.clone();
        this.rowBytes = (long) itemSize * Arrays.stream(rowShape).asLongStream().reduce(1, (a, b) -> a * b);
        if (existingRows < 0) {
            this.channel = OwnerOnly.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            channel.write(header(0), 0);
            channel.position(HEADER_BYTES);
        } else {
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            ByteBuffer found = ByteBuffer.allocate(HEADER_BYTES);
            while (found.hasRemaining() && channel.read(found, found.position()) > 0) {
                // read the whole header
            }
            if (!found.flip().equals(header(existingRows)) || channel.size() != HEADER_BYTES + existingRows * rowBytes) {
                channel.close();
                throw new IOException(file + " is not the " + existingRows + "-row " + descr + " array "
                        + Arrays.toString(rowShape) + " rows expected (its header or size differs)");
            }
            this.bytes = existingRows * rowBytes;
            channel.position(HEADER_BYTES + bytes);
        }
    }

    /** Appends uint8 rows to {@code file}, an array of {@code rows} such rows written by this class. */
    public static NpyWriter appendUint8(Path file, long rows, int... rowShape) throws IOException {
        return new NpyWriter(file, rows, "|u1", 1, rowShape);
    }

    /** Appends int32 values to {@code file}, an array of {@code rows} values written by this class. */
    public static NpyWriter appendInt32(Path file, long rows) throws IOException {
        return new NpyWriter(file, rows, int32Descr(), 4);
    }

    /** The shape the header of {@code file} gives (rows first), empty if it gives none. */
    public static long[] shape(Path file) throws IOException {
        byte[] head = new byte[HEADER_BYTES];
        try (var in = java.nio.file.Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, HEADER_BYTES) < HEADER_BYTES) {
                return new long[0];
            }
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("'shape': \\(([0-9, ]*)\\)")
                .matcher(new String(head, StandardCharsets.ISO_8859_1));
        if (!m.find()) {
            return new long[0];
        }
        return Arrays.stream(m.group(1).split(",")).map(String::strip).filter(t -> !t.isEmpty())
                .mapToLong(Long::parseLong).toArray();
    }

    /** The number of rows the header of {@code file} (written by this class) gives, -1 if it gives none. */
    public static long rows(Path file, int... rowShape) throws IOException {
        byte[] head = new byte[HEADER_BYTES];
        try (var in = java.nio.file.Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, HEADER_BYTES) < HEADER_BYTES) {
                return -1;
            }
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("'shape': \\((\\d+)[,)]")
                .matcher(new String(head, StandardCharsets.ISO_8859_1));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String int32Descr() {
        return (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? "<" : ">") + "i4";
    }

    /** A writer of uint8 rows. */
    public static NpyWriter uint8(Path file, int... rowShape) throws IOException {
        return new NpyWriter(file, "|u1", 1, rowShape);
    }

    /** A writer of int32 values in this machine's byte order. */
    public static NpyWriter int32(Path file) throws IOException {
        return new NpyWriter(file, int32Descr(), 4);
    }

    /** Appends whole rows: {@code data} from its position to its limit (position is advanced). */
    public void write(ByteBuffer data) throws IOException {
        if (data.remaining() % rowBytes != 0) {
            throw new IllegalArgumentException("data of " + data.remaining() + " bytes is not whole rows of " + rowBytes);
        }
        while (data.hasRemaining()) {
            bytes += channel.write(data);
        }
    }

    public long rows() {
        return bytes / rowBytes;
    }

    /** Rewrites the header with the final row count and closes the file. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (channel) {
            channel.write(header(rows()), 0);
        }
    }

    private ByteBuffer header(long rows) {
        String shape = rowShape.length == 0 ? "(" + rows + ",)"
                : "(" + rows + ", " + Arrays.stream(rowShape).mapToObj(String::valueOf).collect(Collectors.joining(", ")) + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int dictSpace = HEADER_BYTES - MAGIC.length - 2;
        if (dict.length() + 1 > dictSpace) {
            throw new IllegalStateException("npy header too long: " + dict);
        }
        StringBuilder padded = new StringBuilder(dict);
        while (padded.length() < dictSpace - 1) {
            padded.append(' ');
        }
        padded.append('\n');
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.put(MAGIC).putShort((short) dictSpace).put(padded.toString().getBytes(StandardCharsets.US_ASCII));
        return header.flip();
    }
}
