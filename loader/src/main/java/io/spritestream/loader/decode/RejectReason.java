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
    UNDECODABLE,
    /**
     * The {@code label} header is no class name ({@code LabelRule}: a newline, a control character,
     * over 128 bytes, blank, not UTF-8): it would break every class list it entered.
     */
    BAD_LABEL,
    /** No {@code label} header, in a run that trains on a fixed class list. */
    UNLABELLED,
    /** A label the dataset version's class list does not have, in a run that trains on that list. */
    UNKNOWN_LABEL;

    /** Lower-case name used on the wire, e.g. {@code too_large}. */
    public String code() {
        return name().toLowerCase(Locale.ROOT);
    }
}
