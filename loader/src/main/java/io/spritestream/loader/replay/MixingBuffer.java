package io.spritestream.loader.replay;

import io.spritestream.config.InvalidSettingException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bounded shuffle buffer for a stream without end ({@code --follow}): the same mixing as
 * {@link EpochOrder}'s, applied to records as they arrive. Holds at most {@code capacity} items,
 * and, when asked ({@link #releaseArrivedBy}), none longer than a bound on its hold time: on a
 * stream too slow to fill it, a record would otherwise wait for thousands of later ones.
 *
 * <p>Which item leaves when is a function of the seed, the order of the calls and the arrival
 * times they give: the same calls give the same order. Confined to one thread.
 *
 * @param <T> what is mixed
 */
public final class MixingBuffer<T> {

    private final Object[] items;
    /** When each held item arrived ({@link System#nanoTime()} or any clock of the caller's). */
    private final long[] arrived;
    private final SplitMix64 rng;
    private int fill;
    /** No held item arrived before this (a lower bound: the exact oldest may have left since). */
    private long oldestBound;

    public MixingBuffer(int capacity, long seed) {
        if (capacity < 1) {
            throw InvalidSettingException.of("shuffle-buffer", capacity, ">= 1");
        }
        this.items = new Object[capacity];
        this.arrived = new long[capacity];
        this.rng = SplitMix64.of(seed, 0x466F6C6C6FL);
    }

    /** {@link #offer(Object, long)} for a caller that never bounds the hold time. */
    public T offer(T item) {
        return offer(item, 0);
    }

    /**
     * Adds {@code item}, arrived at {@code arrivedAt} (no earlier than any item before it); once the
     * buffer is full, returns a random earlier item in exchange (else {@code null}).
     */
    @SuppressWarnings("unchecked")
    public T offer(T item, long arrivedAt) {
        if (fill < items.length) {
            if (fill == 0) {
                oldestBound = arrivedAt;
            }
            items[fill] = item;
            arrived[fill++] = arrivedAt;
            return null;
        }
        int j = rng.nextInt(items.length);
        T out = (T) items[j];
        items[j] = item;
        arrived[j] = arrivedAt;
        return out;
    }

    /**
     * Releases items so that none that arrived at or before {@code cutoff} remains (on the clock of
     * {@link #offer(Object, long)}; compared as {@link System#nanoTime()} values are). First as many
     * random picks as there are such items, the exchange a full buffer makes, so the buffer keeps
     * mixing as one of the size that the bound allows; then whichever of them is still held, in
     * random order. A buffer holding none returns at once without looking at every item.
     *
     * @return the released items, in the order they leave (empty if none had waited so long)
     */
    public List<T> releaseArrivedBy(long cutoff) {
        if (fill == 0 || oldestBound - cutoff > 0) {
            return List.of();
        }
        int due = countArrivedBy(cutoff);
        if (due == 0) {
            oldestBound = oldestHeld();
            return List.of();
        }
        List<T> out = new ArrayList<>(2 * due);
        for (int k = 0; k < due && fill > 0; k++) {
            out.add(removeAt(rng.nextInt(fill)));
        }
        int stillDue = moveArrivedByToTheEnd(cutoff);
        for (int i = fill - 1; stillDue > 0; i--, stillDue--) {
            out.add(removeAt(i - rng.nextInt(stillDue))); // a random one of the still-due tail [i - stillDue + 1, i]
        }
        oldestBound = oldestHeld();
        return out;
    }

    /** Empties the buffer, in random order. */
    @SuppressWarnings("unchecked")
    public List<T> drain() {
        List<T> out = new ArrayList<>(fill);
        for (int i = fill - 1; i >= 0; i--) {
            int j = rng.nextInt(i + 1);
            out.add((T) items[j]);
            items[j] = items[i];
            arrived[j] = arrived[i];
            items[i] = null;
        }
        fill = 0;
        return out;
    }

    /** Items held. */
    public int size() {
        return fill;
    }

    private int countArrivedBy(long cutoff) {
        int n = 0;
        for (int i = 0; i < fill; i++) {
            if (arrived[i] - cutoff <= 0) {
                n++;
            }
        }
        return n;
    }

    /** Swaps the items that arrived by {@code cutoff} to the end of the held ones; how many they are. */
    private int moveArrivedByToTheEnd(long cutoff) {
        int end = fill;
        for (int i = fill - 1; i >= 0; i--) {
            if (arrived[i] - cutoff <= 0) {
                end--;
                swap(i, end);
            }
        }
        return fill - end;
    }

    /** The item at {@code j}, its place taken by the last held item. */
    @SuppressWarnings("unchecked")
    private T removeAt(int j) {
        T out = (T) items[j];
        int last = --fill;
        items[j] = items[last];
        arrived[j] = arrived[last];
        items[last] = null;
        return out;
    }

    private void swap(int a, int b) {
        Object item = items[a];
        items[a] = items[b];
        items[b] = item;
        long time = arrived[a];
        arrived[a] = arrived[b];
        arrived[b] = time;
    }

    private long oldestHeld() {
        long oldest = fill == 0 ? 0 : arrived[0];
        for (int i = 1; i < fill; i++) {
            if (arrived[i] - oldest < 0) {
                oldest = arrived[i];
            }
        }
        return oldest;
    }
}
