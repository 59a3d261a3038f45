package io.spritestream.loader.cache;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * What a cache root holds, for people and for eviction: one {@code key.json} per cache key (the
 * topic's name and id, the pixel spec, the decoder, the datasets read through it) and the shard
 * files with their sizes and when each was last used.
 */
public final class CacheCatalog {

    static final String KEY_FILE = "key.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private CacheCatalog() {}

    /**
     * One cache key's folder as described by its {@code key.json}.
     *
     * @param datasets the dataset names read through it (empty for bare topics)
     */
    public record Entry(@JsonProperty("topic") String topic, @JsonProperty("topic_id") String topicId,
                        @JsonProperty("pixels") String pixels, @JsonProperty("decoder") String decoder,
                        @JsonProperty("datasets") List<String> datasets) {

        public Entry {
            datasets = datasets == null ? List.of() : List.copyOf(datasets);
        }
    }

    /** A key folder with what it holds. */
    public record Listed(Path folder, Entry entry, int shards, long bytes, FileTime lastUsed) {}

    /** A shard file, its size and when it was last used (its modification time). */
    record ShardFile(Path path, long bytes, FileTime lastUsed) {}

    /** Writes (or brings up to date) the key's {@code key.json}, adding {@code dataset} if given. */
    static void remember(Path root, CacheKey key, Path folder, String dataset) {
        Path file = folder.resolve(KEY_FILE);
        List<String> datasets = new ArrayList<>();
        try {
            if (Files.isRegularFile(file)) {
                datasets.addAll(JSON.readValue(file.toFile(), Entry.class).datasets());
            }
        } catch (IOException e) {
            // a damaged key.json is written again
        }
        if (dataset != null && !datasets.contains(dataset)) {
            datasets.add(dataset);
        } else if (Files.isRegularFile(file)) {
            return;
        }
        Entry entry = new Entry(key.topic(), key.topicId().toString(), CacheKey.specName(key.pixels()), key.decoder(),
                new ArrayList<>(new TreeSet<>(datasets)));
        try {
            Path temp = Files.createTempFile(folder, ".key", ".json");
            JSON.writeValue(temp.toFile(), entry);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every key folder under {@code root}, with its shards' count and bytes; newest use first. */
    public static List<Listed> list(Path root) {
        List<Listed> listed = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return listed;
        }
        try (Stream<Path> keys = Files.walk(root, 5)) {
            for (Path keyFile : keys.filter(p -> p.getFileName().toString().equals(KEY_FILE)).toList()) {
                Path folder = keyFile.getParent();
                Entry entry;
                try {
                    entry = JSON.readValue(keyFile.toFile(), Entry.class);
                } catch (IOException e) {
                    entry = new Entry("?", "?", "?", "?", List.of());
                }
                List<ShardFile> shards = shardFiles(folder);
                FileTime last = shards.stream().map(ShardFile::lastUsed).max(FileTime::compareTo)
                        .orElse(FileTime.fromMillis(0));
                listed.add(new Listed(folder, entry, shards.size(), shards.stream().mapToLong(ShardFile::bytes).sum(),
                        last));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the cache at " + root + ": " + e.getMessage(), e);
        }
        listed.sort((a, b) -> b.lastUsed().compareTo(a.lastUsed()));
        return listed;
    }

    /** Deletes a key folder and everything in it; the bytes it freed. */
    public static long delete(Path folder) throws IOException {
        long freed = 0;
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                if (Files.isRegularFile(p)) {
                    freed += Files.size(p);
                }
                Files.deleteIfExists(p);
            }
        }
        return freed;
    }

    /** Bytes of every shard file under {@code root}. */
    static long bytes(Path root) {
        return shardFiles(root).stream().mapToLong(ShardFile::bytes).sum();
    }

    /** Every shard file under {@code dir}. */
    static List<ShardFile> shardFiles(Path dir) {
        List<ShardFile> files = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return files;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(p -> p.getFileName().toString().endsWith(".shard")).forEach(p -> {
                try {
                    files.add(new ShardFile(p, Files.size(p), Files.getLastModifiedTime(p)));
                } catch (IOException e) {
                    // evicted by another process while listing
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return files;
        }
        return files;
    }
}
