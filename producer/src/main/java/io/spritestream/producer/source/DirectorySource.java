package io.spritestream.producer.source;

import io.spritestream.record.ContentTypes;
import io.spritestream.record.LabelRule;
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
 * key. Hidden files and folders (names starting with {@code '.'}; a hidden folder is not walked)
 * are skipped, as are files of other types; symbolic links are followed. Images lying directly in
 * the root (outside any label folder) are skipped, unless a root label is given: then they are that
 * class. Every file skipped is listed by {@link #skipped()} and counted and named by
 * {@link #skippedWarnings()}. A label folder whose name is no class name ({@link LabelRule}) fails
 * the scan, naming it. Not thread-safe: one caller at a time.
 */
public final class DirectorySource implements SpriteSource {

    private final Path root;
    private final List<Entry> entries;
    private final List<String> classes;
    private final List<SkippedFile> skipped;

    /** One image file: where it is, its key (relative path), its label and its media type. */
    private record Entry(Path file, String key, String label, String contentType) {}

    /**
     * Scans {@code root}, skipping images that lie directly in it.
     *
     * @throws IllegalArgumentException if {@code root} is missing or not a folder, or holds no images
     *                                  in label folders, or a label folder's name is no class name
     * @throws UncheckedIOException     if the folder cannot be read
     */
    public DirectorySource(Path root) {
        this(root, null);
    }

    /**
     * Scans {@code root}; images directly in it are of class {@code rootLabel}, or skipped if it is
     * {@code null}.
     *
     * @throws IllegalArgumentException if {@code root} is missing or not a folder, or holds no images
     *                                  it takes, or a label folder's name or {@code rootLabel} is no
     *                                  class name ({@link LabelRule})
     * @throws UncheckedIOException     if the folder cannot be read
     */
    public DirectorySource(Path root, String rootLabel) {
        if (rootLabel != null && LabelRule.problem(rootLabel) != null) {
            throw new IllegalArgumentException("the label for images in the folder's root: " + LabelRule.problem(rootLabel));
        }
        if (!Files.exists(root)) {
            throw new IllegalArgumentException("image folder " + root + " does not exist");
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("image folder " + root + " is not a directory");
        }
        this.root = root;
        List<SkippedFile> left = new ArrayList<>();
        this.entries = Collections.unmodifiableList(scan(root, rootLabel, left));
        this.skipped = List.copyOf(left);
        if (entries.isEmpty()) {
            List<String> atRoot = skippedAtRoot();
            List<String> notImages = skippedPaths(SkippedFile.Reason.NOT_AN_IMAGE);
            throw new IllegalArgumentException("image folder " + root
                    + " holds no images (.png, .jpg, .jpeg, .bmp, .webp) in its label folders root/<label>/..."
                    + (atRoot.isEmpty() ? "" : "; the " + atRoot.size() + " lying directly in it (" + atRoot.get(0)
                    + (atRoot.size() > 1 ? ", ..." : "") + ") need a class: --root-label NAME")
                    + (notImages.isEmpty() ? "" : "; it holds " + count(notImages.size(), "file") + " of other types ("
                    + SkippedFile.firstNames(notImages) + ")"));
        }
        TreeSet<String> labels = new TreeSet<>();
        for (Entry entry : entries) {
            labels.add(entry.label());
        }
        this.classes = List.copyOf(labels);
        refuseFoldersThatAreNoClassNames(root, classes);
    }

    /**
     * A label folder's name is a class name: one that is not (a newline, 200 characters, ...) would
     * break every class list it enters, so the whole folder is refused before anything is sent,
     * naming the first such folder and counting the others.
     */
    private static void refuseFoldersThatAreNoClassNames(Path root, List<String> classes) {
        List<String> bad = classes.stream().filter(c -> LabelRule.problem(c) != null).toList();
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException("image folder " + root + ": the label folder "
                    + LabelRule.problem(bad.get(0)) + (bad.size() > 1 ? "; and " + (bad.size() - 1) + " more such folder"
                    + (bad.size() > 2 ? "s" : "") : "") + ": rename or move them");
        }
    }

    private static List<Entry> scan(Path root, String rootLabel, List<SkippedFile> skipped) {
        List<Entry> found = new ArrayList<>();
        try {
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                            if (!dir.equals(root) && isHidden(dir)) {
                                skipped.add(new SkippedFile(key(root, dir) + "/", SkippedFile.Reason.HIDDEN));
                                return FileVisitResult.SKIP_SUBTREE;
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                            String contentType = ContentTypes.forFileName(file.getFileName().toString());
                            if (isHidden(file)) {
                                skipped.add(new SkippedFile(key(root, file), SkippedFile.Reason.HIDDEN));
                            } else if (!attrs.isRegularFile() || contentType == null) {
                                skipped.add(new SkippedFile(key(root, file), SkippedFile.Reason.NOT_AN_IMAGE));
                            } else if (rootLabel == null && root.relativize(file).getNameCount() < 2) {
                                skipped.add(new SkippedFile(key(root, file), SkippedFile.Reason.OUTSIDE_A_LABEL_FOLDER));
                            } else {
                                found.add(entry(root, file, contentType, rootLabel));
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan image folder " + root + ": " + e.getMessage(), e);
        }
        found.sort((a, b) -> a.key().compareTo(b.key()));
        skipped.sort((a, b) -> a.path().compareTo(b.path()));
        return found;
    }

    private static Entry entry(Path root, Path file, String contentType, String rootLabel) {
        Path relative = root.relativize(file);
        String label = relative.getNameCount() < 2 ? rootLabel : relative.getName(0).toString();
        return new Entry(file, key(root, file), label, contentType);
    }

    /** The path relative to {@code root}, with {@code '/'} separators on every OS. */
    private static String key(Path root, Path file) {
        StringBuilder key = new StringBuilder();
        for (Path name : root.relativize(file)) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(name);
        }
        return key.toString();
    }

    private static boolean isHidden(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    @Override
    public long size() {
        return entries.size();
    }

    /** Every file (and hidden folder) found and not sent, with why, sorted by path; empty if none. */
    @Override
    public List<SkippedFile> skipped() {
        return skipped;
    }

    /**
     * The names of the images lying directly in the root that were skipped (no root label was
     * given), sorted; empty if none.
     */
    public List<String> skippedAtRoot() {
        return skippedPaths(SkippedFile.Reason.OUTSIDE_A_LABEL_FOLDER);
    }

    private List<String> skippedPaths(SkippedFile.Reason reason) {
        return skipped.stream().filter(f -> f.reason() == reason).map(SkippedFile::path).toList();
    }

    /**
     * One warning line per reason files were skipped, each counting them and naming the first few
     * ({@code warning: skipped 1 file that is not an image (.png, .jpg, .jpeg, .bmp, .webp):
     * cat/notes.txt}); empty if none was.
     */
    public List<String> skippedWarnings() {
        List<String> lines = new ArrayList<>();
        List<String> notImages = skippedPaths(SkippedFile.Reason.NOT_AN_IMAGE);
        if (!notImages.isEmpty()) {
            lines.add("warning: skipped " + count(notImages.size(), "file")
                    + (notImages.size() == 1 ? " that is not an image" : " that are not images")
                    + " (.png, .jpg, .jpeg, .bmp, .webp): " + SkippedFile.firstNames(notImages));
        }
        List<String> hidden = skippedPaths(SkippedFile.Reason.HIDDEN);
        if (!hidden.isEmpty()) {
            boolean folders = hidden.stream().anyMatch(p -> p.endsWith("/"));
            boolean files = hidden.stream().anyMatch(p -> !p.endsWith("/"));
            String what = folders && files ? hidden.size() + " hidden files and folders"
                    : count(hidden.size(), folders ? "hidden folder" : "hidden file");
            lines.add("warning: skipped " + what + " (names starting with '.'): "
                    + SkippedFile.firstNames(hidden));
        }
        List<String> atRoot = skippedAtRoot();
        if (!atRoot.isEmpty()) {
            int n = atRoot.size();
            String names = String.join(", ", atRoot.subList(0, Math.min(3, n))) + (n > 3 ? ", ..." : "");
            lines.add("warning: skipped " + n + (n == 1 ? " image" : " images") + " lying directly in " + root
                    + " outside a label folder (" + names + "); --root-label NAME takes them as class NAME");
        }
        return lines;
    }

    private static String count(int n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** The label folders that hold at least one image (and the root label, if it took any), sorted. */
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
