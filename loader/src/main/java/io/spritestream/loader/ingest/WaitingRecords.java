package io.spritestream.loader.ingest;

import java.nio.ByteBuffer;
import java.util.Arrays;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Records that arrived before their turn, by record index: an open-addressing table of int keys
 * (linear probing, deletion by backward shift), so waiting costs no boxed key and no node per
 * record. Grows as needed; single-threaded.
 */
final class WaitingRecords {

    private static final int EMPTY = -1;

    private int[] keys;
    private Object[] values;
    private int size;

    WaitingRecords() {
        keys = new int[64];
        values = new Object[64];
        Arrays.fill(keys, EMPTY);
    }

    int size() {
        return size;
    }

    boolean containsKey(int key) {
        return get(key) != null;
    }

    @SuppressWarnings("unchecked")
    ConsumerRecord<ByteBuffer, ByteBuffer> get(int key) {
        int mask = keys.length - 1;
        for (int i = mix(key) & mask; keys[i] != EMPTY; i = (i + 1) & mask) {
            if (keys[i] == key) {
                return (ConsumerRecord<ByteBuffer, ByteBuffer>) values[i];
            }
        }
        return null;
    }

    void put(int key, ConsumerRecord<ByteBuffer, ByteBuffer> value) {
        if ((size + 1) * 2 > keys.length) {
            grow();
        }
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != EMPTY && keys[i] != key) {
            i = (i + 1) & mask;
        }
        if (keys[i] == EMPTY) {
            size++;
        }
        keys[i] = key;
        values[i] = value;
    }

    void remove(int key) {
        int mask = keys.length - 1;
        int i = mix(key) & mask;
        while (keys[i] != key) {
            if (keys[i] == EMPTY) {
                return;
            }
            i = (i + 1) & mask;
        }
        size--;
        // Backward shift: move later entries of the probe run into the gap.
        int gap = i;
        for (int j = (i + 1) & mask; keys[j] != EMPTY; j = (j + 1) & mask) {
            int home = mix(keys[j]) & mask;
            boolean movable = gap <= j ? (home <= gap || home > j) : (home <= gap && home > j);
            if (movable) {
                keys[gap] = keys[j];
                values[gap] = values[j];
                gap = j;
            }
        }
        keys[gap] = EMPTY;
        values[gap] = null;
    }

    @SuppressWarnings("unchecked")
    private void grow() {
        int[] oldKeys = keys;
        Object[] oldValues = values;
        keys = new int[oldKeys.length * 2];
        values = new Object[oldKeys.length * 2];
        Arrays.fill(keys, EMPTY);
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != EMPTY) {
                put(oldKeys[i], (ConsumerRecord<ByteBuffer, ByteBuffer>) oldValues[i]);
            }
        }
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
