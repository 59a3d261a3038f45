package io.spritestream.producer.source;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where sprites come from: a folder of images, a sprite sheet, or the built-in synthetic set.
 *
 * <p>A source is finite and deterministic: it knows its size and class list before it is streamed,
 * and {@link #forEach} hands out the same sprites in the same order every time it is called.
 * Not thread-safe: one caller at a time.
 */
public interface SpriteSource {

    /** Number of sprites {@link #forEach} will hand out. */
    long size();

    /** The class names, in a stable order (the label index of the loader is a position here). */
    List<String> classes();

    /** Hands every sprite to {@code sink}, in order. */
    void forEach(Consumer<Sprite> sink) throws IOException;

    /**
     * What the source found and does not hand out (a folder's notes, hidden files, ...), with why;
     * empty unless the source skips files.
     */
    default List<SkippedFile> skipped() {
        return List.of();
    }

    /** A short description for progress bars and logs, e.g. {@code synthetic 20000x32px}. */
    String describe();
}
