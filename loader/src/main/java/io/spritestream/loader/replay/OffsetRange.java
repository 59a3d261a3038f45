package io.spritestream.loader.replay;

/**
 * Offsets {@code [start, end)} of one partition.
 */
public record OffsetRange(int partition, long start, long end) {

    public OffsetRange {
        if (partition < 0 || start < 0 || end < start) {
            throw new IllegalArgumentException("range " + partition + ":[" + start + "," + end + ") (expected 0 <= start <= end)");
        }
    }

    public long size() {
        return end - start;
    }

    @Override
    public String toString() {
        return partition + ":[" + start + "," + end + ")";
    }
}
