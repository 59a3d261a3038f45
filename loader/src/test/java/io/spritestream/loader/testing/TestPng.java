package io.spritestream.loader.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * A PNG written byte by byte for tests, in every colour type the format has (gray, gray+alpha, RGB,
 * RGBA, palette with optional tRNS), at 8 or 16 bits, plain or Adam7-interlaced, together with the
 * RGBA pixels the loader must deliver for it (computed from the samples, not by a decoder).
 */
public final class TestPng {

    /** PNG colour types. */
    public enum Kind {
        GRAY(0, 1), RGB(2, 3), PALETTE(3, 1), GRAY_ALPHA(4, 2), RGBA(6, 4);

        final int colorType;
        final int samplesPerPixel;

        Kind(int colorType, int samplesPerPixel) {
            this.colorType = colorType;
            this.samplesPerPixel = samplesPerPixel;
        }
    }

    public final Kind kind;
    public final int width;
    public final int height;
    public final int bitDepth;
    public final boolean interlaced;
    /** Row-major samples, {@code samplesPerPixel} per pixel (palette: the index). */
    public final int[] samples;
    /** Palette entries as 0xRRGGBB, and their alpha (tRNS), for {@link Kind#PALETTE}. */
    public final int[] palette;
    public final int[] paletteAlpha;

    private TestPng(Kind kind, int width, int height, int bitDepth, boolean interlaced, int[] samples,
                    int[] palette, int[] paletteAlpha) {
        this.kind = kind;
        this.width = width;
        this.height = height;
        this.bitDepth = bitDepth;
        this.interlaced = interlaced;
        this.samples = samples;
        this.palette = palette;
        this.paletteAlpha = paletteAlpha;
    }

    /**
     * Random pixels of {@code kind}. 16-bit samples are random too (not just v*257), so the
     * reduction rule round(v / 257) is pinned down.
     */
    public static TestPng random(Kind kind, int width, int height, int bitDepth, boolean interlaced, long seed) {
        Random rnd = new Random(seed);
        int max = (1 << bitDepth) - 1;
        int[] samples = new int[width * height * kind.samplesPerPixel];
        int[] palette = null;
        int[] paletteAlpha = null;
        if (kind == Kind.PALETTE) {
            palette = new int[16];
            paletteAlpha = new int[12]; // shorter than the palette: entries 12..15 are opaque
            for (int i = 0; i < palette.length; i++) {
                palette[i] = rnd.nextInt(1 << 24);
            }
            for (int i = 0; i < paletteAlpha.length; i++) {
                paletteAlpha[i] = i == 0 ? 0 : rnd.nextInt(256);
            }
            for (int i = 0; i < samples.length; i++) {
                samples[i] = rnd.nextInt(palette.length);
            }
        } else {
            for (int i = 0; i < samples.length; i++) {
                samples[i] = rnd.nextInt(max + 1);
            }
        }
        return new TestPng(kind, width, height, bitDepth, interlaced, samples, palette, paletteAlpha);
    }

    /** An RGBA image from 0xAARRGGBB pixels (8-bit). */
    public static TestPng rgba(int width, int height, int[] argb) {
        int[] samples = new int[width * height * 4];
        for (int i = 0; i < width * height; i++) {
            samples[4 * i] = argb[i] >>> 16 & 0xFF;
            samples[4 * i + 1] = argb[i] >>> 8 & 0xFF;
            samples[4 * i + 2] = argb[i] & 0xFF;
            samples[4 * i + 3] = argb[i] >>> 24;
        }
        return new TestPng(Kind.RGBA, width, height, 8, false, samples, null, null);
    }

    /** The pixels the loader must deliver, as RGBA bytes, row-major, at this image's own size. */
    public byte[] expectedRgba() {
        byte[] out = new byte[width * height * 4];
        int spp = kind.samplesPerPixel;
        for (int p = 0; p < width * height; p++) {
            int r;
            int g;
            int b;
            int a = 255;
            switch (kind) {
                case GRAY -> r = g = b = to8(samples[p]);
                case GRAY_ALPHA -> {
                    r = g = b = to8(samples[p * spp]);
                    a = to8(samples[p * spp + 1]);
                }
                case RGB -> {
                    r = to8(samples[p * spp]);
                    g = to8(samples[p * spp + 1]);
                    b = to8(samples[p * spp + 2]);
                }
                case RGBA -> {
                    r = to8(samples[p * spp]);
                    g = to8(samples[p * spp + 1]);
                    b = to8(samples[p * spp + 2]);
                    a = to8(samples[p * spp + 3]);
                }
                case PALETTE -> {
                    int index = samples[p];
                    r = palette[index] >>> 16 & 0xFF;
                    g = palette[index] >>> 8 & 0xFF;
                    b = palette[index] & 0xFF;
                    a = index < paletteAlpha.length ? paletteAlpha[index] : 255;
                }
                default -> throw new IllegalStateException();
            }
            out[4 * p] = (byte) r;
            out[4 * p + 1] = (byte) g;
            out[4 * p + 2] = (byte) b;
            out[4 * p + 3] = (byte) a;
        }
        return out;
    }

    private int to8(int v) {
        return bitDepth == 16 ? (int) Math.round(v / 257.0) : v;
    }

    /** The PNG file. */
    public byte[] encode() {
        try {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.writeByte(bitDepth);
            h.writeByte(kind.colorType);
            h.writeByte(0);
            h.writeByte(0);
            h.writeByte(interlaced ? 1 : 0);
            chunk(file, "IHDR", ihdr.toByteArray());
            if (kind == Kind.PALETTE) {
                byte[] plte = new byte[palette.length * 3];
                for (int i = 0; i < palette.length; i++) {
                    plte[3 * i] = (byte) (palette[i] >>> 16);
                    plte[3 * i + 1] = (byte) (palette[i] >>> 8);
                    plte[3 * i + 2] = (byte) palette[i];
                }
                chunk(file, "PLTE", plte);
                byte[] trns = new byte[paletteAlpha.length];
                for (int i = 0; i < trns.length; i++) {
                    trns[i] = (byte) paletteAlpha[i];
                }
                chunk(file, "tRNS", trns);
            }
            chunk(file, "IDAT", deflate(scanlines()));
            chunk(file, "IEND", new byte[0]);
            return file.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] scanlines() {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        if (!interlaced) {
            pass(raw, 0, 0, 1, 1);
        } else {
            int[][] adam7 = {{0, 0, 8, 8}, {4, 0, 8, 8}, {0, 4, 4, 8}, {2, 0, 4, 4}, {0, 2, 2, 4}, {1, 0, 2, 2}, {0, 1, 1, 2}};
            for (int[] p : adam7) {
                pass(raw, p[0], p[1], p[2], p[3]);
            }
        }
        return raw.toByteArray();
    }

    private void pass(ByteArrayOutputStream raw, int x0, int y0, int dx, int dy) {
        if (x0 >= width || y0 >= height) {
            return;
        }
        int spp = kind.samplesPerPixel;
        for (int y = y0; y < height; y += dy) {
            raw.write(0); // filter: none
            for (int x = x0; x < width; x += dx) {
                for (int c = 0; c < spp; c++) {
                    int v = samples[(y * width + x) * spp + c];
                    if (bitDepth == 16) {
                        raw.write(v >>> 8);
                    }
                    raw.write(v & 0xFF);
                }
            }
        }
    }

    private static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater();
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (!deflater.finished()) {
            out.write(buf, 0, deflater.deflate(buf));
        }
        deflater.end();
        return out.toByteArray();
    }

    static void chunk(ByteArrayOutputStream file, String type, byte[] data) throws IOException {
        DataOutputStream out = new DataOutputStream(file);
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(typeBytes);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    // Hostile inputs.

    /** A valid PNG header declaring {@code width x height}, with a tiny IDAT: a decompression bomb. */
    public static byte[] bomb(int width, int height) {
        return rgbaOver(width, height, 1024);
    }

    /**
     * A valid {@code width x height} RGBA header whose one IDAT inflates to {@code inflated} zero
     * bytes: its rows, then far more than they need (a zlib bomb: libpng inflates it to the end).
     */
    public static byte[] zlibBomb(int width, int height, int inflated) {
        return rgbaOver(width, height, inflated);
    }

    /** An 8-bit RGBA header of {@code width x height} over one IDAT of {@code inflated} zero bytes, deflated. */
    private static byte[] rgbaOver(int width, int height, int inflated) {
        try {
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
            ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
            DataOutputStream h = new DataOutputStream(ihdr);
            h.writeInt(width);
            h.writeInt(height);
            h.write(new byte[] {8, 6, 0, 0, 0});
            chunk(file, "IHDR", ihdr.toByteArray());
            chunk(file, "IDAT", deflate(new byte[inflated]));
            chunk(file, "IEND", new byte[0]);
            return file.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code png} with {@code count} zTXt chunks after its IHDR, each a text that inflates to
     * {@code inflated} bytes (libpng inflates every one it reads, up to 8 MB apiece).
     */
    public static byte[] withTextBombs(byte[] png, int count, int inflated) {
        try {
            ByteArrayOutputStream text = new ByteArrayOutputStream();
            text.write("Comment".getBytes(StandardCharsets.US_ASCII));
            text.write(new byte[] {0, 0}); // the keyword's end, compression method 0
            text.write(deflate(new byte[inflated]));
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int i = 0; i < count; i++) {
                chunk(chunks, "zTXt", text.toByteArray());
            }
            int afterIhdr = 8 + 12 + 13;
            ByteArrayOutputStream file = new ByteArrayOutputStream();
            file.write(png, 0, afterIhdr);
            file.write(chunks.toByteArray());
            file.write(png, afterIhdr, png.length - afterIhdr);
            return file.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first {@code fraction} of a valid file. */
    public static byte[] truncated(byte[] png, double fraction) {
        return Arrays.copyOf(png, (int) (png.length * fraction));
    }

    /** A valid file with one byte of the IDAT data flipped (its CRC no longer matches). */
    public static byte[] corruptChunk(byte[] png) {
        byte[] copy = png.clone();
        int idat = indexOf(copy, "IDAT".getBytes(StandardCharsets.US_ASCII));
        copy[idat + 6] ^= 0x5A;
        return copy;
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    @Override
    public String toString() {
        return kind + " " + width + "x" + height + " " + bitDepth + "-bit" + (interlaced ? " interlaced" : "");
    }
}
