package io.spritestream.loader.decode;

import io.spritestream.config.Setting;
import java.util.List;

/**
 * Limits checked before decoding: the encoded size of a record, and the pixel count its header
 * declares (so a decompression bomb never allocates).
 *
 * @param maxPixels      most pixels (width x height) an image may declare
 * @param maxRecordBytes most encoded bytes a record may have
 */
public record DecodeLimits(long maxPixels, int maxRecordBytes) {

    public static final Setting<Long> MAX_PIXELS = Setting.longInteger("max-pixels", 16L << 20, 1, Long.MAX_VALUE,
            "Images declaring more pixels are dead-lettered before decoding");
    public static final Setting<Integer> MAX_RECORD_BYTES = Setting.integer("max-record-bytes", 16 << 20, 1,
            Integer.MAX_VALUE, "Larger records are dead-lettered");

    /** 16 megapixels, 16 MiB. */
    public static final DecodeLimits DEFAULT = new DecodeLimits(MAX_PIXELS.defaultValue(), MAX_RECORD_BYTES.defaultValue());

    public DecodeLimits {
        MAX_PIXELS.check(maxPixels);
        MAX_RECORD_BYTES.check(maxRecordBytes);
    }

    /** Every setting of the limits. */
    public static List<Setting<?>> settings() {
        return List.of(MAX_PIXELS, MAX_RECORD_BYTES);
    }
}
