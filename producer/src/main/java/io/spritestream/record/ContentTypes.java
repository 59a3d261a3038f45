package io.spritestream.record;

/** Media types of encoded images, recognised from their first bytes (magic numbers). */
public final class ContentTypes {

    public static final String PNG = "image/png";
    public static final String JPEG = "image/jpeg";
    public static final String BMP = "image/bmp";
    public static final String WEBP = "image/webp";
    public static final String GIF = "image/gif";
    public static final String UNKNOWN = "application/octet-stream";

    private ContentTypes() {}

    /** The media type the bytes start like, or {@link #UNKNOWN}. Never throws. */
    public static String sniff(byte[] bytes) {
        if (bytes == null) {
            return UNKNOWN;
        }
        if (startsWith(bytes, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return PNG;
        }
        if (startsWith(bytes, 0xFF, 0xD8, 0xFF)) {
            return JPEG;
        }
        if (startsWith(bytes, 'B', 'M')) {
            return BMP;
        }
        if (bytes.length >= 12 && startsWith(bytes, 'R', 'I', 'F', 'F')
                && bytes[8] == 'W' && bytes[9] == 'E' && bytes[10] == 'B' && bytes[11] == 'P') {
            return WEBP;
        }
        if (startsWith(bytes, 'G', 'I', 'F', '8')) {
            return GIF;
        }
        return UNKNOWN;
    }

    /** The media type of a file name's extension, or {@code null} if it is not an image we read. */
    public static String forFileName(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".png")) {
            return PNG;
        }
        if (lower.endsWith(".jpg") || lower.endsWith(".jpeg")) {
            return JPEG;
        }
        if (lower.endsWith(".bmp")) {
            return BMP;
        }
        if (lower.endsWith(".webp")) {
            return WEBP;
        }
        return null;
    }

    private static boolean startsWith(byte[] bytes, int... magic) {
        if (bytes.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((bytes[i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
