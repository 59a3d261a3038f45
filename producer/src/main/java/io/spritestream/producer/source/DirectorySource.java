package io.spritestream.producer.source;

import io.spritestream.record.ContentTypes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * The images of a folder laid out as {@code root/<label>/...}: every PNG, JPEG, BMP or WebP file
 * (by extension, any case) anywhere below a label folder, labelled by that first folder.
 *
 * <p>The folder is scanned once, at construction, so {@link #size()} and {@link #classes()} are
 * known before streaming. {@link #forEach} then reads each file's bytes, untouched, in the sorted
 * order of the relative paths (with {@code '/'} separators on every OS); the relative path is the
 * key. Hidden files and folders (names starting with {@code '.'}) are skipped, as are files of
 * other types; symbolic links are followed. Not thread-safe: one caller at a time.
 */
public final class DirectorySource implements SpriteSource {

    private final Path root;
    private final List<Entry> entries;
    private final List<String> classes;

    /** One image file: where it is, its key (relative path), its label and its media type. */
    private record Entry(Path file, String key, String label, String contentType) {}

    /**
     * Scans {@code root}.
     *
     * @throws IllegalArgumentException if {@code root} is missing or not a folder, holds an image
     *                                  directly (outside a label folder), or holds no images at all
     * @throws UncheckedIOException     if the folder cannot be read
     */
    public DirectorySource(Path root) {
        if (!Files.exists(root)) {
            throw new IllegalArgumentException("image folder " + root + " does not exist");
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("image folder " + root + " is not a directory");
        }
        this.root = root;
        this.entries = Collections.unmodifiableList(scan(root));
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("image folder " + root
                    + " holds no images (.png, .jpg, .jpeg, .bmp, .webp) in its label folders root/<label>/...");
        }
        TreeSet<String> labels = new TreeSet<>();
        for (Entry entry : entries) {
            labels.add(entry.label());
        }
        this.classes = List.copyOf(labels);
    }

    private static List<Entry> scan(Path root) {
        List<Entry> found = new ArrayList<>();
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            return !dir.equals(root) && isHidden(dir) ? FileVisitResult.SKIP_SUBTREE
                                    : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            String contentType = ContentTypes.forFileName(file.getFileName().toString());
                            if (attrs.isRegularFile() && !isHidden(file) && contentType != null) {
                                found.add(entry(root, file, contentType));
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan image folder " + root + ": " + e.getMessage(), e);
        }
        found.sort((a, b) -> a.key().compareTo(b.key()));
        return found;
    }

    private static Entry entry(Path root, Path file, String contentType) {
        Path relative = root.relativize(file);
        if (relative.getNameCount() < 2) {
            throw new IllegalArgumentException("image " + file + " lies directly in " + root
                    + "; expected the layout root/<label>/... (one folder per class), e.g. "
                    + root.resolve("<label>").resolve(relative));
        }
        StringBuilder key = new StringBuilder();
        for (Path name : relative) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(name);
        }
        return new Entry(file, key.toString(), relative.getName(0).toString(), contentType);
    }

    private static boolean isHidden(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public long size() {
        return entries.size();
    }

    /** The label folders that hold at least one image, sorted. */
    @Override
    public List<String> classes() {
        return classes;
    }

    /** Reads each image file when it is its turn; a file gone or unreadable since the scan throws. */
    @Override
    public void forEach(Consumer<Sprite> sink) throws IOException {
        for (Entry entry : entries) {
            byte[] bytes = Files.readAllBytes(entry.file());
            sink.accept(new Sprite(entry.key(), entry.label(), bytes, entry.contentType()));
        }
    }

    @Override
    public String describe() {
        return "directory " + root + ": " + entries.size() + " images, " + classes.size() + " classes";
    }
}
