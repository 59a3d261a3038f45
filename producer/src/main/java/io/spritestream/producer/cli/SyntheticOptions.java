package io.spritestream.producer.cli;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.producer.source.SyntheticSprites;
import picocli.CommandLine.Option;

/**
 * {@code --synthetic N --classes K --size PX --seed S}: the built-in synthetic sprite set, as
 * {@code produce} takes it (one source of several, in an argument group) and as {@code bench} does
 * (a mixin, N with a default). Defaults, docs and checks from {@link SyntheticSprites}' declarations.
 */
public final class SyntheticOptions {

    @Option(names = "--synthetic", paramLabel = "N", descriptionKey = "synthetic.doc")
    Integer count;

    @Option(names = "--classes", defaultValue = "${bundle:classes.default}", descriptionKey = "classes.doc",
            paramLabel = "K")
    int classes;

    @Option(names = "--size", defaultValue = "${bundle:size.default}", descriptionKey = "size.doc", paramLabel = "PX")
    int size;

    @Option(names = "--seed", defaultValue = "${bundle:seed.default}", descriptionKey = "seed.doc", paramLabel = "S")
    long seed;

    /** The sprite size asked for. */
    public int size() {
        return size;
    }

    /**
     * The set these options describe (a bad value's message names its option).
     *
     * @param defaultCount sprites when {@code --synthetic} is not given, or 0 if it must be
     */
    public SyntheticSprites sprites(int defaultCount) {
        if (count == null && defaultCount == 0) {
            throw InvalidSettingException.format("{synthetic}: missing (expected N, the number of sprites, with "
                    + "{classes}, {size} or {seed})");
        }
        long n = SyntheticSprites.COUNT.check((long) (count != null ? count : defaultCount));
        return new SyntheticSprites(n, classes, size, seed);
    }
}
