package io.spritestream.loader.decode;

import java.nio.ByteBuffer;

/**
 * Reads an encoded image's format and declared dimensions from its first bytes, without decoding,
 * so a limit such as {@code --max-pixels} is checked before any pixel memory is allocated (a
 * decompression bomb declares 30000x30000 in a few hundred bytes).
 *
 * <p>Recognises PNG, JPEG, BMP and WebP. A mutable probe, reused per thread: not thread-safe.
 * Reads with absolute gets only: the buffer's position and limit are left as they are.
 */
public final class ImageHeader {

    /** Formats recognised by their magic numbers. */
    public enum Format { PNG, JPEG, BMP, WEBP, UNKNOWN }

    private static final int JPEG_MAX_MARKERS = 4096;

    private Format format = Format.UNKNOWN;
    private long width;
    private long height;
    private boolean dimensionsKnown;
    /** PNG: bytes of image data (IDAT chunks) and the most a valid image of the header's kind can need. */
    private long pngData;
    private long pngDataBound;
    /** PNG: the bytes up to the end of the last whole chunk, and whether that chunk was IEND. */
    private long pngWhole;
    private boolean pngEnded;
    /**
     * PNG: the [start, end) of each chunk that holds compressed text or a colour profile (zTXt, iTXt,
     * iCCP), relative to the record's position: libpng inflates them, the decoder needs none.
     */
    private int[] inflatedMetadata = new int[8];
    private int inflatedMetadataChunks;

    /** Declared width, valid when {@link #dimensionsKnown()}. */
    public long width() {
        return width;
    }

    /** Declared height, valid when {@link #dimensionsKnown()}. */
    public long height() {
        return height;
    }

    /** Whether the header was complete enough to read the dimensions. */
    public boolean dimensionsKnown() {
        return dimensionsKnown;
    }

    /** PNG: bytes of image data (the IDAT chunks' lengths, added up). */
    public long pngData() {
        return pngData;
    }

    /**
     * PNG: the most image data a valid image of the header's size, colour type, bit depth and
     * interlacing can hold: the inflated size of its rows (a filter byte each) plus deflate's worst
     * case (stored blocks), generously. Data beyond it can only be a decompression bomb or garbage
     * that libpng would inflate to the end; -1 if the header was not read.
     */
    public long pngDataBound() {
        return pngDataBound;
    }

    /** PNG: whether the record's chunks reach an IEND chunk (a file cut short ends inside a chunk). */
    public boolean pngEnded() {
        return pngEnded;
    }

    /** PNG: the bytes up to the end of the last whole chunk (where a file cut short was cut, about). */
    public long pngWhole() {
        return pngWhole;
    }

    /** PNG: how many chunks of compressed metadata (zTXt, iTXt, iCCP) the record holds. */
    public int inflatedMetadataChunks() {
        return inflatedMetadataChunks;
    }

    /** PNG: where chunk {@code i} of compressed metadata starts, relative to the record's position. */
    public int inflatedMetadataStart(int i) {
        return inflatedMetadata[2 * i];
    }

    /** PNG: where chunk {@code i} of compressed metadata ends (after its CRC), relative to the record's position. */
    public int inflatedMetadataEnd(int i) {
        return inflatedMetadata[2 * i + 1];
    }

    /** Declared pixel count ({@code width * height}), or -1 if unknown. */
    public long pixels() {
        return dimensionsKnown ? width * height : -1;
    }

    /**
     * Reads the header of {@code data} from its position to its limit.
     *
     * @return the recognised format ({@link Format#UNKNOWN} if none)
     */
    public Format read(ByteBuffer data) {
        format = Format.UNKNOWN;
        dimensionsKnown = false;
        width = 0;
        height = 0;
        pngData = 0;
        pngDataBound = -1;
        pngWhole = 0;
        pngEnded = false;
        inflatedMetadataChunks = 0;
        int p = data.position();
        int n = data.remaining();
        if (n >= 8 && u8(data, p) == 0x89 && u8(data, p + 1) == 'P' && u8(data, p + 2) == 'N' && u8(data, p + 3) == 'G'
                && u8(data, p + 4) == 0x0D && u8(data, p + 5) == 0x0A && u8(data, p + 6) == 0x1A && u8(data, p + 7) == 0x0A) {
            format = Format.PNG;
            if (n >= 24 && u8(data, p + 12) == 'I' && u8(data, p + 13) == 'H' && u8(data, p + 14) == 'D'
                    && u8(data, p + 15) == 'R') {
                setDimensions(u32be(data, p + 16), u32be(data, p + 20));
                if (n >= 29) {
                    pngDataBound = pngDataBound(width, height, u8(data, p + 24), u8(data, p + 25), u8(data, p + 28) != 0);
                }
                readPngChunks(data, p, n);
            }
        } else if (n >= 3 && u8(data, p) == 0xFF && u8(data, p + 1) == 0xD8 && u8(data, p + 2) == 0xFF) {
            format = Format.JPEG;
            readJpeg(data, p, n);
        } else if (n >= 2 && u8(data, p) == 'B' && u8(data, p + 1) == 'M') {
            format = Format.BMP;
            readBmp(data, p, n);
        } else if (n >= 12 && u8(data, p) == 'R' && u8(data, p + 1) == 'I' && u8(data, p + 2) == 'F' && u8(data, p + 3) == 'F'
                && u8(data, p + 8) == 'W' && u8(data, p + 9) == 'E' && u8(data, p + 10) == 'B' && u8(data, p + 11) == 'P') {
            format = Format.WEBP;
            readWebp(data, p, n);
        }
        return format;
    }

    /** Inflated row bytes of the image, plus deflate's stored-block overhead and a margin. */
    private static long pngDataBound(long width, long height, int bitDepth, int colourType, boolean interlaced) {
        int samples = switch (colourType) {
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> 1; // gray, palette (and anything libpng will refuse anyway)
        };
        long rowBytes = (width * samples * Math.max(1, Math.min(bitDepth, 16)) + 7) / 8;
        long raw = height * (rowBytes + 1);
        if (interlaced) {
            raw += 7 * (height + 8) * 2; // Adam7: a filter byte and a partial byte per row of each pass
        }
        return raw + raw / 128 + 1024;
    }

    /** Adds up the IDAT chunks and notes the chunks of compressed metadata, up to IEND or the end. */
    private void readPngChunks(ByteBuffer d, int p, int n) {
        long at = 8;
        while (at + 12 <= n) {
            long length = u32be(d, p + (int) at);
            int type = (int) u32be(d, p + (int) at + 4);
            long end = at + 12 + length;
            if (end <= n) {
                pngWhole = end;
            }
            if (type == IDAT) {
                pngData += length;
            } else if ((type == ZTXT || type == ITXT || type == ICCP) && end <= n) {
                if (inflatedMetadata.length < 2 * (inflatedMetadataChunks + 1)) {
                    inflatedMetadata = java.util.Arrays.copyOf(inflatedMetadata, inflatedMetadata.length * 2);
                }
                inflatedMetadata[2 * inflatedMetadataChunks] = (int) at;
                inflatedMetadata[2 * inflatedMetadataChunks + 1] = (int) end;
                inflatedMetadataChunks++;
            } else if (type == IEND) {
                pngEnded = end <= n;
                return;
            }
            at = end;
        }
    }

    private static final int IDAT = 0x49444154;
    private static final int IEND = 0x49454E44;
    private static final int ZTXT = 0x7A545874;
    private static final int ITXT = 0x69545874;
    private static final int ICCP = 0x69434350;

    private void readJpeg(ByteBuffer d, int p, int n) {
        int i = 2;
        for (int markers = 0; markers < JPEG_MAX_MARKERS && i + 4 <= n; markers++) {
            if (u8(d, p + i) != 0xFF) {
                return;
            }
            int marker = u8(d, p + i + 1);
            if (marker == 0xFF) {
                i++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                i += 2;
                continue;
            }
            int length = u16be(d, p + i + 2);
            boolean startOfFrame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (startOfFrame) {
                if (i + 9 <= n) {
                    setDimensions(u16be(d, p + i + 7), u16be(d, p + i + 5));
                }
                return;
            }
            if (length < 2) {
                return;
            }
            i += 2 + length;
        }
    }

    private void readBmp(ByteBuffer d, int p, int n) {
        if (n < 26) {
            return;
        }
        long dibSize = u32le(d, p + 14);
        if (dibSize == 12) {
            setDimensions(u16le(d, p + 18), u16le(d, p + 20));
        } else {
            setDimensions(Math.abs((long) (int) u32le(d, p + 18)), Math.abs((long) (int) u32le(d, p + 22)));
        }
    }

    private void readWebp(ByteBuffer d, int p, int n) {
        if (n < 30) {
            return;
        }
        int c0 = u8(d, p + 12);
        int c1 = u8(d, p + 13);
        int c2 = u8(d, p + 14);
        int c3 = u8(d, p + 15);
        if (c0 == 'V' && c1 == 'P' && c2 == '8' && c3 == ' ') {
            setDimensions(u16le(d, p + 26) & 0x3FFF, u16le(d, p + 28) & 0x3FFF);
        } else if (c0 == 'V' && c1 == 'P' && c2 == '8' && c3 == 'L') {
            int b0 = u8(d, p + 21);
            int b1 = u8(d, p + 22);
            int b2 = u8(d, p + 23);
            int b3 = u8(d, p + 24);
            setDimensions(1 + (b0 | (b1 & 0x3F) << 8), 1 + ((b1 >> 6) | b2 << 2 | (b3 & 0x0F) << 10));
        } else if (c0 == 'V' && c1 == 'P' && c2 == '8' && c3 == 'X') {
            setDimensions(1 + u24le(d, p + 24), 1 + u24le(d, p + 27));
        }
    }

    private void setDimensions(long w, long h) {
        width = w;
        height = h;
        dimensionsKnown = true;
    }

    private static int u8(ByteBuffer d, int i) {
        return d.get(i) & 0xFF;
    }

    private static int u16be(ByteBuffer d, int i) {
        return u8(d, i) << 8 | u8(d, i + 1);
    }

    private static int u16le(ByteBuffer d, int i) {
        return u8(d, i) | u8(d, i + 1) << 8;
    }

    private static int u24le(ByteBuffer d, int i) {
        return u8(d, i) | u8(d, i + 1) << 8 | u8(d, i + 2) << 16;
    }

    private static long u32be(ByteBuffer d, int i) {
        return (long) u16be(d, i) << 16 | u16be(d, i + 2);
    }

    private static long u32le(ByteBuffer d, int i) {
        return (long) u16le(d, i + 2) << 16 | u16le(d, i);
    }
}
