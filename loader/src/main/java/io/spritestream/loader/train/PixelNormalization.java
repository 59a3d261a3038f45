package io.spritestream.loader.train;

import io.spritestream.config.InvalidSettingException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.Arrays;
import java.util.Locale;

/**
 * Turns a uint8 {@code [B, H, W, C]} batch into a network's float input {@code [B, C, H, W]}:
 * {@code x = v / 255}, then, if a mean and a standard deviation are given, {@code (x - mean[c]) / std[c]}
 * per channel. All of it is DJL ops on the device the batch is on (the uint8 bytes travel to the GPU,
 * not four times as many float bytes); nothing is read back to the host.
 *
 * <p>The result is a new float array in the input's manager; the input is not changed. The layout
 * change is a transposed view (no copy) of the normalised {@code [B, H, W, C]} floats.
 *
 * <p>Immutable and thread-safe.
 */
public final class PixelNormalization {

    private static final PixelNormalization SCALE_ONLY = new PixelNormalization(null, null);

    private final float[] mean;
    private final float[] std;

    private PixelNormalization(float[] mean, float[] std) {
        this.mean = mean;
        this.std = std;
    }

    /** Only {@code v / 255}: inputs in [0, 1]. */
    public static PixelNormalization scaleOnly() {
        return SCALE_ONLY;
    }

    /**
     * {@code (v / 255 - mean[c]) / std[c]}, with one mean and one standard deviation per channel, in the
     * [0, 1] scale (e.g. 0.5 and 0.25).
     *
     * @throws IllegalArgumentException if the lengths differ or a standard deviation is not positive
     */
    public static PixelNormalization meanStd(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw InvalidSettingException.format("{mean}/{std}: %s and %s values (expected one of each per channel)",
                    mean.length, std.length);
        }
        for (float s : std) {
            if (!(s > 0) || Float.isInfinite(s)) {
                throw InvalidSettingException.of("std", s, "> 0");
            }
        }
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw InvalidSettingException.of("mean", m, "a finite number");
            }
        }
        return new PixelNormalization(mean.clone(), std.clone());
    }

    /** Whether a mean and a standard deviation are applied after scaling. */
    public boolean hasMeanStd() {
        return mean != null;
    }

    /** The per-channel means (a copy), or {@code null}. */
    public float[] mean() {
        return mean == null ? null : mean.clone();
    }

    /** The per-channel standard deviations (a copy), or {@code null}. */
    public float[] std() {
        return std == null ? null : std.clone();
    }

    /**
     * The float input {@code [B, C, H, W]} for a uint8 {@code [B, H, W, C]} batch, computed on the
     * batch's device and attached to the batch's manager.
     *
     * @throws IllegalArgumentException if the batch is not uint8 {@code [B, H, W, C]} or the channel
     *                                  count differs from the mean's
     */
    public NDArray apply(NDArray pixels) {
        if (pixels.getDataType() != DataType.UINT8 || pixels.getShape().dimension() != 4) {
            throw new IllegalArgumentException("pixels: " + pixels.getDataType() + " " + pixels.getShape()
                    + " (expected uint8 [B, H, W, C])");
        }
        long channels = pixels.getShape().get(3);
        if (mean != null && mean.length != channels) {
            throw InvalidSettingException.format("{mean}/{std}: %s values for %s channels (expected one per channel)",
                    mean.length, channels);
        }
        NDArray x = pixels.toType(DataType.FLOAT32, false); // new memory: the input is uint8
        x.divi(255f);
        if (mean != null) {
            NDManager manager = x.getManager();
            try (NDArray m = manager.create(mean); NDArray s = manager.create(std)) {
                x.subi(m).divi(s); // broadcast over the last axis, C
            }
        }
        return x.transpose(0, 3, 1, 2);
    }

    /** e.g. {@code v/255} or {@code (v/255 - [0.5, 0.5, 0.5, 0.5]) / [0.25, ...]}. */
    public String describe() {
        if (mean == null) {
            return "v/255";
        }
        return "(v/255 - " + format(mean) + ") / " + format(std);
    }

    private static String format(float[] values) {
        String[] parts = new String[values.length];
        for (int i = 0; i < values.length; i++) {
            parts[i] = String.format(Locale.ROOT, "%s", values[i]);
        }
        return Arrays.toString(parts);
    }

    @Override
    public String toString() {
        return describe();
    }
}
