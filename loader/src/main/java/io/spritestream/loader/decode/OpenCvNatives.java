package io.spritestream.loader.decode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import org.opencv.core.Core;

/**
 * Loads OpenCV's native library once per JVM.
 *
 * <p>The library ships inside the OpenCV jar. Rather than unpacking 65 MB into a new temporary
 * folder on every start (what {@code nu.pattern.OpenCV.loadLocally()} does, leaving folders behind
 * after a crash), it is unpacked once into a cache folder ({@code $SPRITESTREAM_CACHE}, else
 * {@code ~/.cache/spritestream}) and loaded from there: about 15 ms instead of 0.5-0.9 s.
 */
public final class OpenCvNatives {

    private static final String LIBRARY = "libopencv_java490.so";
    private static final String RESOURCE = "/nu/pattern/opencv/linux/x86_64/" + LIBRARY;
    private static volatile boolean loaded;

    private OpenCvNatives() {}

    /** Loads the library if this JVM has not yet; safe to call from any thread, any number of times. */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (OpenCvNatives.class) {
            if (loaded) {
                return;
            }
            if (isLinuxX86_64()) {
                System.load(cachedLibrary().toString());
            } else {
                nu.pattern.OpenCV.loadLocally();
            }
            loaded = true;
        }
    }

    private static boolean isLinuxX86_64() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        return os.contains("linux") && (arch.equals("amd64") || arch.equals("x86_64"))
                && OpenCvNatives.class.getResource(RESOURCE) != null;
    }

    static Path cacheRoot() {
        String env = System.getenv("SPRITESTREAM_CACHE");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        return Path.of(System.getProperty("user.home"), ".cache", "spritestream");
    }

    private static Path cachedLibrary() {
        Path dir = cacheRoot().resolve("opencv-" + Core.VERSION);
        Path target = dir.resolve(LIBRARY);
        try {
            long expected = resourceSize();
            if (Files.isRegularFile(target) && Files.size(target) == expected) {
                return target;
            }
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, LIBRARY, ".part");
            try (InputStream in = OpenCvNatives.class.getResourceAsStream(RESOURCE)) {
                Files.copy(in, temp, StandardCopyOption.REPLACE_EXISTING);
            }
            // Atomic, so a concurrent JVM never loads a half-written file.
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack OpenCV's native library into " + dir, e);
        }
    }

    private static long resourceSize() throws IOException {
        var url = OpenCvNatives.class.getResource(RESOURCE);
        return url.openConnection().getContentLengthLong();
    }
}
