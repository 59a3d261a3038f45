package io.spritestream.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates files and folders that only their owner can read: files {@code 0600}, folders
 * {@code 0700}, whatever the umask (a umask can only make them stricter). Training data (pixels,
 * keys, labels) written by one user is not readable by other users of the machine. Folders that
 * exist already are left as they are.
 *
 * <p>On a file system without POSIX permissions the files are created as the platform does.
 */
public final class OwnerOnly {

    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> FOLDER = PosixFilePermissions.fromString("rwx------");

    private OwnerOnly() {}

    private static boolean posix(Path path) {
        Path existing = path.toAbsolutePath();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing != null && Files.getFileAttributeView(existing, PosixFileAttributeView.class) != null;
    }

    private static FileAttribute<?>[] attributes(Path path, Set<PosixFilePermission> permissions) {
        return posix(path) ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(permissions)}
                : new FileAttribute<?>[0];
    }

    /** Opens {@code file} with {@code options}; if they create it, it is created owner-only. */
    public static FileChannel open(Path file, OpenOption... options) throws IOException {
        return FileChannel.open(file, Set.of(options), attributes(file, FILE));
    }

    /** Creates {@code folder} and the folders above it that are missing, each owner-only. */
    public static Path createDirectories(Path folder) throws IOException {
        return Files.createDirectories(folder, attributes(folder, FOLDER));
    }

    /** A new, empty, owner-only temporary file in {@code folder}. */
    public static Path createTempFile(Path folder, String prefix, String suffix) throws IOException {
        return Files.createTempFile(folder, prefix, suffix, attributes(folder, FILE));
    }

    /**
     * {@code file}, empty and owner-only, for a library that writes files by name (an image writer,
     * a JSON mapper, a text writer): it keeps the permissions of a file it overwrites. One that
     * existed is truncated and made owner-only: it is this command's output.
     */
    public static Path emptyFile(Path file) throws IOException {
        open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING).close();
        if (posix(file)) {
            Files.setPosixFilePermissions(file, FILE);
        }
        return file;
    }
}
