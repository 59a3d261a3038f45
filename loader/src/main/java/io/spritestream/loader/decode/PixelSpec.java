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

    /** Parses {@code S} (square) or {@code WxH}. */
    public static int[] parseSize(String text) {
        String[] parts = text.toLowerCase(java.util.Locale.ROOT).split("x", -1);
        try {
            int w = Integer.parseInt(parts[0].strip());
            int h = parts.length == 1 ? w : Integer.parseInt(parts[1].strip());
            if (parts.length > 2 || w < 1 || h < 1) {
                throw new NumberFormatException();
            }
            return new int[] {w, h};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--size: '" + text + "' (expected S or WxH, e.g. 32 or 64x48)");
        }
    }

    public int sampleBytes() {
        return width * height * channels;
    }
}
