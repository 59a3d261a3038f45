package io.spritestream.loader.replay;

import io.spritestream.loader.replay.OffsetRange;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The records of a dataset version numbered densely: index {@code 0..size-1} runs through the
 * ranges partition by partition, offsets ascending. Orders are computed on indices (4 bytes a
 * record) and mapped back to (partition, offset) only to fetch.
 *
 * <p>Immutable and thread-safe.
 */
public final class RecordSpace {

    private final OffsetRange[] ranges;
    private final long[] firstIndex;
    private final int[] rangeOfPartition;
    private final int size;

    public RecordSpace(List<OffsetRange> ranges) {
        List<OffsetRange> sorted = new ArrayList<>(ranges);
        sorted.removeIf(r -> r.size() == 0);
        sorted.sort(Comparator.comparingInt(OffsetRange::partition));
        this.ranges = sorted.toArray(new OffsetRange[0]);
        this.firstIndex = new long[this.ranges.length + 1];
        for (int i = 0; i < this.ranges.length; i++) {
            firstIndex[i + 1] = firstIndex[i] + this.ranges[i].size();
        }
        if (firstIndex[this.ranges.length] > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a dataset version of " + firstIndex[this.ranges.length]
                    + " records is over the limit of " + (Integer.MAX_VALUE - 8) + " per run");
        }
        this.size = (int) firstIndex[this.ranges.length];
        int maxPartition = -1;
        for (OffsetRange r : this.ranges) {
            maxPartition = Math.max(maxPartition, r.partition());
        }
        this.rangeOfPartition = new int[maxPartition + 1];
        java.util.Arrays.fill(rangeOfPartition, -1);
        for (int i = 0; i < this.ranges.length; i++) {
            if (rangeOfPartition[this.ranges[i].partition()] >= 0) {
                throw new IllegalArgumentException("two ranges for partition " + this.ranges[i].partition());
            }
            rangeOfPartition[this.ranges[i].partition()] = i;
        }
    }

    public int size() {
        return size;
    }

    public int partitionOf(int index) {
        return ranges[rangeOf(index)].partition();
    }

    public long offsetOf(int index) {
        int r = rangeOf(index);
        return ranges[r].start() + (index - firstIndex[r]);
    }

    /** The index of (partition, offset), or -1 if it is outside the ranges. */
    public int indexOf(int partition, long offset) {
        if (partition < 0 || partition >= rangeOfPartition.length || rangeOfPartition[partition] < 0) {
            return -1;
        }
        int r = rangeOfPartition[partition];
        OffsetRange range = ranges[r];
        if (offset < range.start() || offset >= range.end()) {
            return -1;
        }
        return (int) (firstIndex[r] + (offset - range.start()));
    }

    /**
     * Blocks of at most {@code blockSize} consecutive offsets of one partition, as index ranges
     * {@code [start, end)}, in index order.
     */
    public List<int[]> blocks(int blockSize) {
        List<int[]> blocks = new ArrayList<>();
        for (int r = 0; r < ranges.length; r++) {
            for (long s = firstIndex[r]; s < firstIndex[r + 1]; s += blockSize) {
                blocks.add(new int[] {(int) s, (int) Math.min(firstIndex[r + 1], s + blockSize)});
            }
        }
        return blocks;
    }

    /** The offsets of an index range that lies within one partition. */
    public OffsetRange toOffsets(int start, int end) {
        int r = rangeOf(start);
        long base = ranges[r].start() - firstIndex[r];
        return new OffsetRange(ranges[r].partition(), base + start, base + end);
    }

    private int rangeOf(int index) {
        int lo = 0;
        int hi = ranges.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (firstIndex[mid] <= index) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
