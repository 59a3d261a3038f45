package io.spritestream.producer.source;

import io.spritestream.record.ContentTypes;

/**
 * A cheap look at an encoded image before it is sent: do its first bytes say the format its media
 * type says, and is it whole? A PNG is walked chunk by chunk (lengths only: no CRC, no inflating)
 * to its {@code IEND}; a BMP and a WebP are held to the size their headers declare; a JPEG is
 * checked by its first bytes only. Nothing is decoded, so an image that passes may still fail to
 * decode; one that fails will almost surely not. Stateless; any thread.
 */
public final class HeaderCheck {

    private static final int TEXT_SAMPLE = 512;
    private static final int IEND = 0x49454E44;

    private HeaderCheck() {}

    /**
     * Why {@code bytes} are not a whole image of {@code contentType} ({@code text, not a PNG},
     * {@code a PNG cut short: no IEND after 812 bytes}), or {@code null} if nothing is seen wrong
     * (or the media type is not one this class knows).
     */
    public static String problem(byte[] bytes, String contentType) {
        String format = formatName(contentType);
        if (format == null) {
            return null;
        }
        String sniffed = ContentTypes.sniff(bytes);
        if (!sniffed.equals(contentType)) {
            return whatItIsInstead(bytes, sniffed) + ", not a " + format;
        }
        return switch (contentType) {
            case ContentTypes.PNG -> pngProblem(bytes);
            case ContentTypes.BMP -> declaredSizeProblem(bytes, "BMP", 2, 0);
            case ContentTypes.WEBP -> declaredSizeProblem(bytes, "WebP", 4, 8);
            default -> null;
        };
    }

    private static String formatName(String contentType) {
        return switch (contentType) {
            case ContentTypes.PNG -> "PNG";
            case ContentTypes.JPEG -> "JPEG";
            case ContentTypes.BMP -> "BMP";
            case ContentTypes.WEBP -> "WebP";
            default -> null;
        };
    }

    private static String whatItIsInstead(byte[] bytes, String sniffed) {
        if (bytes.length == 0) {
            return "empty";
        }
        if (sniffed.equals(ContentTypes.GIF)) {
            return "a GIF";
        }
        String other = formatName(sniffed);
        if (other != null) {
            return "a " + other;
        }
        if (looksLikeText(bytes)) {
            return "text";
        }
        StringBuilder start = new StringBuilder("unknown bytes (");
        for (int i = 0; i < Math.min(4, bytes.length); i++) {
            start.append(i == 0 ? "" : " ").append(String.format(java.util.Locale.ROOT, "%02x", bytes[i] & 0xFF));
        }
        return start.append(bytes.length > 4 ? " ..." : "").append(')').toString();
    }

    /** No NUL and no control character but tab, line feed, form feed and carriage return in the first bytes. */
    private static boolean looksLikeText(byte[] bytes) {
        for (int i = 0; i < Math.min(TEXT_SAMPLE, bytes.length); i++) {
            int b = bytes[i] & 0xFF;
            if (b < 0x20 && b != '\t' && b != '\n' && b != '\f' && b != '\r' || b == 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** Walks the chunks after the signature: 4 bytes length, 4 bytes type, data, 4 bytes CRC. */
    private static String pngProblem(byte[] bytes) {
        long at = 8;
        while (at + 8 <= bytes.length) {
            long length = bigEndian32(bytes, (int) at);
            if (length > Integer.MAX_VALUE || !isChunkType(bytes, (int) at + 4)) {
                return "a PNG broken at byte " + at + " (no chunk there)";
            }
            long next = at + 12 + length;
            if (next > bytes.length) {
                break;
            }
            if (bigEndian32(bytes, (int) at + 4) == IEND) {
                return null;
            }
            at = next;
        }
        return "a PNG cut short: no IEND after " + bytes.length + " bytes";
    }

    private static boolean isChunkType(byte[] bytes, int at) {
        for (int i = at; i < at + 4; i++) {
            int c = bytes[i] & 0xFF;
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z')) {
                return false;
            }
        }
        return true;
    }

    /** A header's little-endian size field at {@code at}, plus {@code extra}, is the whole file's size. */
    private static String declaredSizeProblem(byte[] bytes, String format, int at, int extra) {
        long declared = bytes.length >= at + 4 ? littleEndian32(bytes, at) + extra : -1;
        if (declared > bytes.length || declared < 0) {
            return "a " + format + " cut short: " + bytes.length + " bytes"
                    + (declared < 0 ? "" : " of the " + declared + " its header declares");
        }
        return null;
    }

    private static long bigEndian32(byte[] b, int at) {
        return (b[at] & 0xFFL) << 24 | (b[at + 1] & 0xFFL) << 16 | (b[at + 2] & 0xFFL) << 8 | b[at + 3] & 0xFFL;
    }

    private static long littleEndian32(byte[] b, int at) {
        return (b[at + 3] & 0xFFL) << 24 | (b[at + 2] & 0xFFL) << 16 | (b[at + 1] & 0xFFL) << 8 | b[at] & 0xFFL;
    }
}
