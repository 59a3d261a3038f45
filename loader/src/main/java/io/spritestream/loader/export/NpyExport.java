package io.spritestream.loader.export;

import io.spritestream.files.OwnerOnly;
import io.spritestream.loader.batch.SpriteBatch;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code --export-npy DIR}: what was delivered, in delivery order, in NumPy's own format, so a
 * Python user can {@code np.load} it: {@code images.npy} (uint8 {@code [N, H, W, C]}),
 * {@code labels.npy} (int32 {@code [N]}, index into {@code classes.txt}), {@code keys.txt} (one key a
 * line), {@code offsets.txt} (partition and offset a line), {@code classes.txt}.
 *
 * <p>Whole or absent: the files are written into a sibling folder {@code .DIR.partial} and only
 * {@link #close()} moves that folder to {@code DIR} (one rename), with every file complete and
 * agreeing (rows = lines). A process killed before that leaves no {@code DIR} that looks complete,
 * only the partial folder, which the next export into {@code DIR} replaces. A folder that holds
 * anything but an export is never written into nor replaced.
 *
 * <p>A resumed run can {@linkplain #resume append}: the export of the interrupted run (complete,
 * as SIGINT and SIGTERM leave it) is taken up where it ended if it holds exactly the samples the
 * state says were delivered, so the folder ends as the uninterrupted run's export.
 *
 * <p>Single-threaded: the thread that receives the batches.
 */
public final class NpyExport implements AutoCloseable {

    /** The files an export consists of; a folder holding anything else is not an export. */
    public static final Set<String> FILES = Set.of("images.npy", "labels.npy", "keys.txt", "offsets.txt", "classes.txt");

    private final Path dir;
    private final Path partial;
    private final NpyWriter images;
    private final NpyWriter labels;
    private final BufferedWriter keys;
    private final BufferedWriter offsets;
    private final long rowsBefore;
    private List<String> classes = List.of();
    private boolean closed;

    private NpyExport(Path dir, int height, int width, int channels, long appendTo) throws IOException {
        this.dir = dir.toAbsolutePath().normalize();
        this.partial = partialOf(this.dir);
        requireExportOrAbsent(this.dir);
        if (appendTo > 0) {
            deleteRecursively(partial);
            move(this.dir, partial); // from now on nothing at DIR looks complete until close()
            this.images = NpyWriter.appendUint8(partial.resolve("images.npy"), appendTo, height, width, channels);
            this.labels = NpyWriter.appendInt32(partial.resolve("labels.npy"), appendTo);
        } else {
            deleteRecursively(partial); // a killed run's leftovers
            OwnerOnly.createDirectories(partial);
            this.images = NpyWriter.uint8(partial.resolve("images.npy"), height, width, channels);
            this.labels = NpyWriter.int32(partial.resolve("labels.npy"));
        }
        StandardOpenOption mode = appendTo > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING;
        this.keys = textWriter(partial.resolve("keys.txt"), mode);
        this.offsets = textWriter(partial.resolve("offsets.txt"), mode);
        this.rowsBefore = appendTo;
    }

    /** A text file of the export, created owner-only; {@code mode} truncates or appends. */
    private static BufferedWriter textWriter(Path file, StandardOpenOption mode) throws IOException {
        return new BufferedWriter(java.nio.channels.Channels.newWriter(
                OwnerOnly.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, mode), StandardCharsets.UTF_8));
    }

    /**
     * A new export into {@code dir} (replacing an earlier export there when this one is complete).
     *
     * @throws IllegalArgumentException if {@code dir} holds anything but an export
     */
    public static NpyExport create(Path dir, int height, int width, int channels) throws IOException {
        return new NpyExport(dir, height, width, channels, 0);
    }

    /**
     * The export of a resumed run: appends to the complete export in {@code dir} when it holds
     * exactly {@code delivered} samples (what the resumed state says was delivered), else starts an
     * export of this run's batches only, unless {@code dir} holds a complete export of another
     * length, which is refused rather than replaced.
     *
     * @param notice told, in one line, which of the two it does
     * @throws IllegalArgumentException if {@code dir} holds anything but an export, or an export that
     *                                  does not end where the run resumes
     */
    public static NpyExport resume(Path dir, int height, int width, int channels, long delivered,
                                   java.util.function.Consumer<String> notice) throws IOException {
        Path absolute = dir.toAbsolutePath().normalize();
        requireExportOrAbsent(absolute);
        if (!Files.isRegularFile(absolute.resolve("images.npy"))) {
            notice.accept("export: " + dir + " holds this run's batches only (no complete export of the first "
                    + delivered + " samples was there to append to" + (Files.isDirectory(partialOf(absolute))
                    ? "; the interrupted run's partial one is replaced)" : ")"));
            return new NpyExport(dir, height, width, channels, 0);
        }
        long[] shape = NpyWriter.shape(absolute.resolve("images.npy"));
        if (shape.length != 4 || shape[1] != height || shape[2] != width || shape[3] != channels) {
            throw new IllegalArgumentException("--export-npy: " + dir + " holds samples of shape "
                    + Arrays.toString(shape.length == 4 ? Arrays.copyOfRange(shape, 1, 4) : shape) + " (HxWxC), this run "
                    + "makes " + height + "x" + width + "x" + channels + ": give the interrupted run's --size and "
                    + "--channels, or another folder");
        }
        long rows = shape[0];
        long labelRows = NpyWriter.rows(absolute.resolve("labels.npy"));
        long keyLines = lines(absolute.resolve("keys.txt"));
        long offsetLines = lines(absolute.resolve("offsets.txt"));
        if (rows != delivered || labelRows != rows || keyLines != rows || offsetLines != rows) {
            throw new IllegalArgumentException("--export-npy: " + dir + " holds an export of " + rows
                    + " samples, but the run resumes after " + delivered + " (an export of another run?): give another "
                    + "folder, or move that one away");
        }
        notice.accept("export: appending to " + dir + " after its " + rows + " samples");
        return new NpyExport(dir, height, width, channels, rows);
    }

    /** Appends a batch (pixels go from the slab to the file without a heap copy). */
    public void append(SpriteBatch batch) throws IOException {
        images.write(batch.pixelBytes());
        labels.write(batch.labelBytes());
        for (int i = 0; i < batch.size(); i++) {
            keys.write(String.valueOf(batch.key(i)).replace('\n', ' ').replace('\r', ' '));
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

    /** Rows in the export, those it appended to included. */
    public long rows() {
        return images.rows();
    }

    /** Rows this run added. */
    public long rowsAdded() {
        return images.rows() - rowsBefore;
    }

    /** Completes every file and moves the export into place (replacing an earlier export there). */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (images; labels; keys; offsets) {
            Files.write(OwnerOnly.emptyFile(partial.resolve("classes.txt")), classes, StandardCharsets.UTF_8);
        }
        if (Files.isDirectory(dir)) {
            requireExportOrAbsent(dir);
            for (String name : FILES) {
                Files.deleteIfExists(dir.resolve(name));
            }
            Files.delete(dir);
        }
        move(partial, dir);
    }

    /**
     * Gives up an export nothing was added to: the partial folder is removed (an export it was to
     * append to is put back as it was). One that has rows is {@linkplain #close() completed} instead.
     * Nothing after {@link #close()}.
     */
    public void abandon() throws IOException {
        if (closed) {
            return;
        }
        if (rowsAdded() > 0 || rowsBefore > 0) {
            close();
            return;
        }
        closed = true;
        try (images; labels; keys; offsets) {
            // only closing
        }
        deleteRecursively(partial);
    }

    /** Where an export into {@code dir} is written until it is complete. */
    public static Path partialOf(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        Path name = absolute.getFileName();
        return absolute.resolveSibling("." + (name == null ? "export" : name) + ".partial");
    }

    private static void requireExportOrAbsent(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("--export-npy: " + dir + " is a file, not a folder");
        }
        List<String> other = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            entries.map(p -> p.getFileName().toString()).filter(n -> !FILES.contains(n)).sorted().forEach(other::add);
        }
        if (!other.isEmpty()) {
            throw new IllegalArgumentException("--export-npy: " + dir + " holds files that are not an export ("
                    + String.join(", ", other.subList(0, Math.min(3, other.size()))) + (other.size() > 3 ? ", ..." : "")
                    + "): give an empty or new folder");
        }
    }

    private static long lines(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return -1;
        }
        try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
            return lines.count();
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    private static void deleteRecursively(Path folder) throws IOException {
        if (!Files.exists(folder)) {
            return;
        }
        try (Stream<Path> all = Files.walk(folder)) {
            all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
