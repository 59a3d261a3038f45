package io.spritestream.loader.cli;

import io.spritestream.loader.augment.AugmentSpec;
import io.spritestream.loader.pipeline.LoaderConfig;
import picocli.CommandLine.Option;

/** {@code --augment SPEC}: a picocli mixin of every command that loads samples for training or a look. */
public final class AugmentOptions {

    @Option(names = "--augment", paramLabel = "SPEC", descriptionKey = "augment.doc")
    String augment;

    /** The spec asked for, or null if the option was not given (a resumed run then keeps its own). */
    AugmentSpec spec() {
        return augment == null ? null : AugmentSpec.parse(augment);
    }

    LoaderConfig applyTo(LoaderConfig config) {
        AugmentSpec spec = spec();
        return spec == null ? config : config.augment(spec);
    }
}
