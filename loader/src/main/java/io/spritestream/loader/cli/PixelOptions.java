package io.spritestream.loader.cli;

import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import picocli.CommandLine.Option;

/**
 * {@code --size}, {@code --channels}, {@code --fit}: what every sample looks like (a picocli mixin;
 * defaults and docs from {@link PixelSpec}'s declarations).
 */
public final class PixelOptions {

    @Option(names = "--size", defaultValue = "${bundle:size.default}", descriptionKey = "size.doc", paramLabel = "S|WxH")
    String size;

    @Option(names = "--channels", defaultValue = "${bundle:channels.default}", descriptionKey = "channels.doc",
            paramLabel = "C")
    int channels;

    @Option(names = "--fit", defaultValue = "${bundle:fit.default}", descriptionKey = "fit.doc", paramLabel = "MODE")
    Fit fit;

    public PixelSpec spec() {
        return PixelSpec.of(size, channels, fit);
    }
}
