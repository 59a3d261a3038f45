package io.spritestream.loader.replay;

import io.spritestream.config.InvalidSettingException;
import java.util.ArrayList;
import java.util.List;

/**
 * The bounded shuffle buffer for a stream without end ({@code --follow}): the same mixing as
 * {@link EpochOrder}'s, applied to records as they arrive. Holds at most {@code capacity} items.
 * Confined to one thread.
 *
 * @param <T> what is mixed
 */
public final class MixingBuffer<T> {

    private final Object[] items;
    private final SplitMix64 rng;
    private int fill;

    public MixingBuffer(int capacity, long seed) {
        if (capacity < 1) {
            throw InvalidSettingException.of("shuffle-buffer", capacity, ">= 1");
        }
        this.items = new Object[capacity];
        this.rng = SplitMix64.of(seed, 0x466F6C6C6FL);
    }

    /**
     * Adds {@code item}; once the buffer is full, returns a random earlier item in exchange
     * (else {@code null}).
     */
    @SuppressWarnings("unchecked")
    public T offer(T item) {
        if (fill < items.length) {
            items[fill++] = item;
            return null;
        }
        int j = rng.nextInt(items.length);
        T out = (T) items[j];
        items[j] = item;
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
            items[i] = null;
        }
        fill = 0;
        return out;
    }
}
