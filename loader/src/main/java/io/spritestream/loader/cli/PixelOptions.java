package io.spritestream.loader.cli;

import io.spritestream.cli.Sizes;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import picocli.CommandLine.Option;

/** {@code --size}, {@code --channels}, {@code --fit}: what every sample looks like (a picocli mixin). */
public final class PixelOptions {

    @Option(names = "--size", defaultValue = "32", paramLabel = "S|WxH",
            description = "Sample size: S (square) or WxH (default: ${DEFAULT-VALUE}).")
    String size;

    @Option(names = "--channels", defaultValue = "4", paramLabel = "C",
            description = "4 = RGBA, 3 = RGB, 1 = gray (default: ${DEFAULT-VALUE}).")
    int channels;

    @Option(names = "--fit", defaultValue = "pad", paramLabel = "MODE",
            description = "pad, stretch or crop; nearest-neighbour only (default: ${DEFAULT-VALUE}).")
    Fit fit;

    public PixelSpec spec() {
        int[] wh = Sizes.parse("--size", size);
        return new PixelSpec(wh[0], wh[1], channels, fit);
    }
}
