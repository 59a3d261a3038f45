package io.spritestream.producer.cli;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.producer.source.SyntheticSprites;
import picocli.CommandLine.Option;

/**
 * {@code --synthetic N --classes K --size PX --seed S}: the built-in synthetic sprite set, as
 * {@code produce} takes it (one source of several, in an argument group) and as {@code bench} does
 * (a mixin, N with a default). Defaults from {@link SyntheticSprites}.
 */
public final class SyntheticOptions {

    @Option(names = "--synthetic", paramLabel = "N", description = "N procedural pixel-art sprites.")
    Integer count;

    @Option(names = "--classes", defaultValue = "" + SyntheticSprites.DEFAULT_CLASSES, paramLabel = "K",
            description = "Classes (default: ${DEFAULT-VALUE}).")
    int classes;

    @Option(names = "--size", defaultValue = "" + SyntheticSprites.DEFAULT_SIZE_PX, paramLabel = "PX",
            description = "Sprite size (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--seed", defaultValue = "" + SyntheticSprites.DEFAULT_SEED, paramLabel = "S",
            description = "Seed of the sprites (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The sprite size asked for. */
    public int size() {
        return size;
    }

    /**
     * The set these options describe, checked here so that a bad value's message names its option.
     *
     * @param defaultCount sprites when {@code --synthetic} is not given, or 0 if it must be
     */
    public SyntheticSprites sprites(int defaultCount) {
        int n = count != null ? count : defaultCount;
        if (count == null && defaultCount == 0) {
            throw InvalidSettingException.format("{synthetic}: missing (expected N, the number of sprites, with "
                    + "{classes}, {size} or {seed})");
        }
        if (n < 1) {
            throw InvalidSettingException.of("synthetic", n, ">= 1");
        }
        if (classes < 1 || classes > SyntheticSprites.MAX_CLASSES) {
            throw InvalidSettingException.of("classes", classes, "1.." + SyntheticSprites.MAX_CLASSES);
        }
        if (size < SyntheticSprites.MIN_SIZE_PX || size > SyntheticSprites.MAX_SIZE_PX) {
            throw InvalidSettingException.of("size", size, SyntheticSprites.MIN_SIZE_PX + ".." + SyntheticSprites.MAX_SIZE_PX);
        }
        return new SyntheticSprites(n, classes, size, seed);
    }
}
