package io.spritestream.loader.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A minimal, independent reader of NumPy .npy v1.0 files, to check what the exporter wrote. */
public record NpyFile(String descr, boolean fortranOrder, int[] shape, byte[] data, int headerTotal) {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order':\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    public static NpyFile read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        if (all[0] != (byte) 0x93 || !new String(all, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException("not an npy file: " + file);
        }
        if (all[6] != 1 || all[7] != 0) {
            throw new IOException("expected version 1.0, got " + all[6] + "." + all[7]);
        }
        int headerLength = (all[8] & 0xFF) | (all[9] & 0xFF) << 8;
        String header = new String(all, 10, headerLength, StandardCharsets.US_ASCII);
        if (!header.endsWith("\n")) {
            throw new IOException("header does not end with a newline: " + header);
        }
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !f.find() || !s.find()) {
            throw new IOException("unparseable header: " + header);
        }
        int[] shape = Arrays.stream(s.group(1).split(",")).map(String::strip).filter(x -> !x.isEmpty())
                .mapToInt(Integer::parseInt).toArray();
        int total = 10 + headerLength;
        return new NpyFile(d.group(1), f.group(1).equals("True"), shape,
                Arrays.copyOfRange(all, total, all.length), total);
    }

    /** The data as little-endian int32 values. */
    public int[] int32() {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[data.length / 4];
        b.asIntBuffer().get(out);
        return out;
    }

    public long elements() {
        return Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
    }
}
