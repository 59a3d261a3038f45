package io.spritestream.loader.decode;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.Setting;
import io.spritestream.config.Sizes;
import java.util.List;

/**
 * What every delivered sample looks like: {@code height x width} pixels of {@code channels} uint8
 * channels (4 = RGBA, 3 = RGB, 1 = gray), fitted with {@code fit}.
 */
public record PixelSpec(int width, int height, int channels, Fit fit) {

    /** Most pixels a side may have. */
    public static final int MAX_SIDE = 16384;
    /** Width and height as users write them: {@code S} (a square) or {@code WxH}. */
    public static final Setting<String> SIZE = Setting.of("size", String.class, "32", "32",
            text -> Sizes.parse("size", text)[0] <= MAX_SIDE && Sizes.parse("size", text)[1] <= MAX_SIDE,
            "S or WxH, 1.." + MAX_SIDE + " per side", "Sample size: S (square) or WxH");
    public static final Setting<Integer> CHANNELS = Setting.of("channels", Integer.class, 4, "4",
            c -> c != null && (c == 1 || c == 3 || c == 4), "1, 3 or 4", "4 = RGBA, 3 = RGB, 1 = gray");
    public static final Setting<Fit> FIT = Setting.choice("fit", Fit.class, Fit.PAD,
            "How an image of another size becomes the sample; nearest-neighbour only");

    public PixelSpec {
        if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE) {
            throw InvalidSettingException.of("size", width + "x" + height, "1.." + MAX_SIDE + " per side");
        }
        CHANNELS.check(channels);
        FIT.check(fit);
    }

    /** The spec {@code size} ({@code S} or {@code WxH}), {@code channels} and {@code fit} describe. */
    public static PixelSpec of(String size, int channels, Fit fit) {
        int[] wh = Sizes.parse("size", SIZE.check(size));
        return new PixelSpec(wh[0], wh[1], channels, fit);
    }

    /** Every setting a pixel spec is made of. */
    public static List<Setting<?>> settings() {
        return List.of(SIZE, CHANNELS, FIT);
    }

    public int sampleBytes() {
        return width * height * channels;
    }
}
