package io.spritestream.loader.decode;

import java.util.Locale;

/**
 * Why a record could not become a sample. The {@link #code()} is what dead letters, reports and
 * metrics carry: a small fixed set, so it can be a metric tag.
 */
public enum RejectReason {
    /** The record had no value (a tombstone). */
    NULL_VALUE,
    /** The value had zero bytes. */
    EMPTY,
    /** Not an image format the decoder reads (by its first bytes). */
    UNSUPPORTED,
    /** Over the record-size limit, or the header declares more pixels than allowed. */
    TOO_LARGE,
    /** A known format, but the bytes do not decode (truncated, corrupt). */
    UNDECODABLE;

    /** Lower-case name used on the wire, e.g. {@code too_large}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
