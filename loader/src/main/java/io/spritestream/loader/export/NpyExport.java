package io.spritestream.loader.export;

import io.spritestream.loader.batch.SpriteBatch;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code --export-npy DIR}: what was delivered, in delivery order, in NumPy's own format, so a
 * Python user can {@code np.load} it: {@code images.npy} (uint8 {@code [N, H, W, C]}),
 * {@code labels.npy} (int32 {@code [N]}, index into {@code classes.txt}), {@code keys.txt} (one key a
 * line), {@code offsets.txt} (partition and offset a line), {@code classes.txt}.
 *
 * <p>Single-threaded: the thread that receives the batches.
 */
public final class NpyExport implements AutoCloseable {

    private final Path dir;
    private final NpyWriter images;
    private final NpyWriter labels;
    private final BufferedWriter keys;
    private final BufferedWriter offsets;
    private List<String> classes = List.of();

    public NpyExport(Path dir, int height, int width, int channels) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        this.images = NpyWriter.uint8(dir.resolve("images.npy"), height, width, channels);
        this.labels = NpyWriter.int32(dir.resolve("labels.npy"));
        this.keys = Files.newBufferedWriter(dir.resolve("keys.txt"));
        this.offsets = Files.newBufferedWriter(dir.resolve("offsets.txt"));
    }

    /** Appends a batch (pixels go from the slab to the file without a heap copy). */
    public void append(SpriteBatch batch) throws IOException {
        images.write(batch.pixelBytes());
        labels.write(batch.labelBytes());
        for (int i = 0; i < batch.size(); i++) {
            keys.write(String.valueOf(batch.key(i)).replace('\n', ' '));
            keys.newLine();
            offsets.write(batch.partition(i) + " " + batch.offset(i));
            offsets.newLine();
        }
        classes = batch.classes();
    }

    /** The class list to write (the loader's final one, which may have grown after the last batch). */
    public void classes(List<String> finalClasses) {
        this.classes = finalClasses;
    }

    public long rows() {
        return images.rows();
    }

    public Path dir() {
        return dir;
    }

    @Override
    public void close() throws IOException {
        try (images; labels; keys; offsets) {
            Files.write(dir.resolve("classes.txt"), classes);
        }
    }
}
