package io.spritestream.loader.decode;

/**
 * What every delivered sample looks like: {@code height x width} pixels of {@code channels} uint8
 * channels (4 = RGBA, 3 = RGB, 1 = gray), fitted with {@code fit}.
 */
public record PixelSpec(int width, int height, int channels, Fit fit) {

    public PixelSpec {
        if (width < 1 || height < 1 || width > 16384 || height > 16384) {
            throw new IllegalArgumentException("--size: " + width + "x" + height + " (expected 1..16384 per side)");
        }
        if (channels != 1 && channels != 3 && channels != 4) {
            throw new IllegalArgumentException("--channels: " + channels + " (expected 1, 3 or 4)");
        }
        if (fit == null) {
            throw new IllegalArgumentException("--fit: null (expected pad, stretch or crop)");
        }
    }

    public int sampleBytes() {
        return width * height * channels;
    }
}
