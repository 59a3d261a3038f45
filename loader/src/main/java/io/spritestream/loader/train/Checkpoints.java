package io.spritestream.loader.train;

import io.spritestream.config.Setting;
import io.spritestream.loader.decode.PixelSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A training run's checkpoint folder: one sub-folder per checkpoint ({@link Checkpoint#folderName()}),
 * each written whole under a temporary name and renamed into place, so a kill at any instant leaves
 * only whole checkpoints (and a temporary folder the next write removes). The newest {@code keep}
 * are kept.
 */
public final class Checkpoints {

    private static final String PREFIX = "checkpoint-";
    private static final String TEMP = ".tmp-checkpoint-";

    /** Checkpoints kept: the newest ones. */
    public static final Setting<Integer> KEEP = Setting.integer("keep-checkpoints", 3, 1, Integer.MAX_VALUE,
            "Checkpoints kept");

    private final Path dir;
    private final int keep;

    public Checkpoints(Path dir, int keep) {
        this.dir = dir;
        this.keep = KEEP.check(keep);
    }

    public Path dir() {
        return dir;
    }

    /** Writes {@code checkpoint} with the trainer's parameters; returns its folder. */
    public Path write(Checkpoint checkpoint, SpriteTrainer trainer, List<String> classes, PixelSpec pixels,
                      PixelNormalization normalization) throws IOException {
        Files.createDirectories(dir);
        sweepTemporary();
        Path temp = dir.resolve(TEMP + checkpoint.folderName() + "-" + ProcessHandle.current().pid());
        Path target = dir.resolve(checkpoint.folderName());
        try {
            java.util.Map<String, Object> trainedOn = new java.util.LinkedHashMap<>();
            trainedOn.put("dataset", checkpoint.recipe().dataset());
            trainedOn.put("validation_fraction", checkpoint.recipe().validationFraction());
            trainer.saveModel(temp, classes, pixels, normalization, Math.max(1, checkpoint.epochsDone()), trainedOn);
            checkpoint.write(temp);
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (Files.exists(temp)) {
                deleteTree(temp);
            }
        }
        prune();
        return target;
    }

    /**
     * The newest whole checkpoint under {@code path}: a checkpoint folder itself, a folder of them, or
     * a {@code --save-model} folder (its {@code checkpoints/}).
     */
    public static Optional<Path> latest(Path path) throws IOException {
        if (Files.isRegularFile(path.resolve(Checkpoint.FILE))) {
            return Optional.of(path);
        }
        Path in = Files.isDirectory(path.resolve("checkpoints")) ? path.resolve("checkpoints") : path;
        return whole(in).stream().reduce((a, b) -> b);
    }

    /** Whole checkpoints in {@code dir}, oldest first (by epochs done, then batches into the next). */
    static List<Path> whole(Path dir) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return found;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path p : all) {
                if (Files.isRegularFile(p.resolve(Checkpoint.FILE))) {
                    found.add(p);
                }
            }
        }
        found.sort(Comparator.comparing(p -> p.getFileName().toString())); // zero-padded: names sort by progress
        return found;
    }

    private void prune() throws IOException {
        List<Path> all = whole(dir);
        for (int i = 0; i < all.size() - keep; i++) {
            deleteTree(all.get(i));
        }
    }

    private void sweepTemporary() throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, TEMP + "*")) {
            for (Path t : temps) {
                deleteTree(t);
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
