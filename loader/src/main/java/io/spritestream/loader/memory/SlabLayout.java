package io.spritestream.loader.memory;

/**
 * The layout of one slab: {@code batch} samples of {@code height x width x channels} uint8 pixels,
 * back to back ({@code [B, H, W, C]}), then, at a 64-byte aligned offset, one int32 label per
 * sample in native byte order.
 *
 * @param batch    samples per slab (B)
 * @param height   H
 * @param width    W
 * @param channels C (4 = RGBA, 3 = RGB, 1 = gray)
 */
public record SlabLayout(int batch, int height, int width, int channels) {

    private static final int ALIGN = 64;

    public SlabLayout {
        require("batch", batch, 1, 1 << 16);
        require("height", height, 1, 1 << 14);
        require("width", width, 1, 1 << 14);
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new IllegalArgumentException("channels: " + channels + " (expected 1, 3 or 4)");
        }
        if ((long) batch * height * width * channels + ALIGN + 4L * batch > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("slab of " + batch + "x" + height + "x" + width + "x" + channels
                    + " bytes is over 2 GiB (expected a smaller --batch or --size)");
        }
    }

    /** Bytes of one sample's pixels. */
    public int sampleBytes() {
        return height * width * channels;
    }

    /** Bytes of all samples' pixels. */
    public int imageBytes() {
        return batch * sampleBytes();
    }

    /** Offset of the label region. */
    public int labelsOffset() {
        return (imageBytes() + ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Total bytes of one slab. */
    public int slabBytes() {
        return labelsOffset() + 4 * batch;
    }

    /** Offset of sample {@code slot}'s pixels. */
    public int slotOffset(int slot) {
        return slot * sampleBytes();
    }

    private static void require(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected " + min + ".." + max + ")");
        }
    }
}
