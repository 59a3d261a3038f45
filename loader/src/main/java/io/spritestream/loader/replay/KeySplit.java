package io.spritestream.loader.replay;

import io.spritestream.config.Setting;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A deterministic train/validation split by record key. A key's side depends only on its bytes (a
 * 64-bit hash mapped to [0, 1)): every run, every process and every rank puts the same sample on the
 * same side, and the two sides of the same fraction are disjoint and together the whole dataset.
 * Records without a key are on the training side.
 *
 * <p>The loader applies it where the reader adds records to slabs: a record of the other side is
 * neither decoded nor counted.
 *
 * @param validationFraction the share of keys on the validation side, 0..1
 * @param side               which side this loader reads
 */
public record KeySplit(double validationFraction, Side side) {

    /** Which side of the split a loader reads. */
    public enum Side { TRAIN, VALIDATION }

    /** The share of keys held out for validation. */
    public static final Setting<Double> VALIDATION_FRACTION = Setting.decimal("validation-fraction", 0.1, 0, 1,
            "Share of the keys held out for validation, by a hash of the key: the same split on every run; 0 for none");

    public KeySplit {
        VALIDATION_FRACTION.check(validationFraction);
        Objects.requireNonNull(side, "side");
    }

    /** The training side of a split that keeps {@code validationFraction} of the keys for validation. */
    public static KeySplit train(double validationFraction) {
        return new KeySplit(validationFraction, Side.TRAIN);
    }

    /** The validation side of a split that keeps {@code validationFraction} of the keys for validation. */
    public static KeySplit validation(double validationFraction) {
        return new KeySplit(validationFraction, Side.VALIDATION);
    }

    /** Whether the record with this key (the bytes between position and limit; null allowed) is on this side. */
    public boolean accepts(ByteBuffer key) {
        boolean validation = key != null && position(key) < validationFraction;
        return validation == (side == Side.VALIDATION);
    }

    /**
     * Where a key falls in [0, 1): FNV-1a over its bytes, then the SplitMix64 finaliser so that keys
     * differing in one character spread over the whole range. Reads without moving the position.
     */
    public static double position(ByteBuffer key) {
        long h = 0xcbf29ce484222325L;
        for (int i = key.position(); i < key.limit(); i++) {
            h ^= key.get(i) & 0xFF;
            h *= 0x100000001b3L;
        }
        h ^= h >>> 30;
        h *= 0xbf58476d1ce4e5b9L;
        h ^= h >>> 27;
        h *= 0x94d049bb133111ebL;
        h ^= h >>> 31;
        return (h >>> 11) * 0x1.0p-53;
    }
}
