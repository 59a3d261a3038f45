package io.spritestream.loader.decode;

/**
 * Limits checked before decoding: the encoded size of a record, and the pixel count its header
 * declares (so a decompression bomb never allocates).
 *
 * @param maxPixels      most pixels (width x height) an image may declare
 * @param maxRecordBytes most encoded bytes a record may have
 */
public record DecodeLimits(long maxPixels, int maxRecordBytes) {

    /** 16 megapixels, 16 MiB. */
    public static final DecodeLimits DEFAULT = new DecodeLimits(16L << 20, 16 << 20);

    public DecodeLimits {
        if (maxPixels < 1) {
            throw new IllegalArgumentException("--max-pixels: " + maxPixels + " (expected >= 1)");
        }
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("--max-record-bytes: " + maxRecordBytes + " (expected >= 1)");
        }
    }
}
