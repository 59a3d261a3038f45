package io.spritestream.loader.cache;

import io.spritestream.files.OwnerOnly;
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
            Path temp = OwnerOnly.createTempFile(folder, ".key", ".json");
            JSON.writeValue(temp.toFile(), entry);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A cache key's folder name of a format version, of a pixel spec. */
    private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("v\\d+");
    private static final java.util.regex.Pattern SPEC = java.util.regex.Pattern.compile("\\d+x\\d+x\\d+-[a-z]+");
    private static final java.util.regex.Pattern PARTITION = java.util.regex.Pattern.compile("p(\\d+)");
    private static final java.util.regex.Pattern SHARD = java.util.regex.Pattern.compile("p(\\d+)-(\\d+)-(\\d+)\\.shard");
    private static final java.util.regex.Pattern OWN_TEMP = java.util.regex.Pattern.compile(
            "\\.tmp-p\\d+-\\d+-\\d+-pid\\d+-\\d+|\\.key.*\\.json");

    /**
     * The key folders under {@code root} that this cache wrote and can prove it wrote: exactly at
     * {@code v<format>/<topic id>/<W>x<H>x<C>-<fit>/<decoder>/}, holding a {@code key.json} that reads
     * as a key's and names that topic id and pixel spec. Nothing else under {@code root} is the
     * cache's (a user's files there are never listed, evicted or cleared).
     */
    static List<Path> keyFolders(Path root) {
        List<Path> found = new ArrayList<>();
        for (Path version : dirs(root, VERSION)) {
            for (Path topic : dirs(version, null)) {
                if (!isUuid(topic.getFileName().toString())) {
                    continue;
                }
                for (Path spec : dirs(topic, SPEC)) {
                    for (Path decoder : dirs(spec, null)) {
                        Entry e = entry(decoder);
                        if (e != null && topic.getFileName().toString().equals(e.topicId())
                                && spec.getFileName().toString().equals(e.pixels())) {
                            found.add(decoder);
                        }
                    }
                }
            }
        }
        return found;
    }

    /** Whether {@code root} holds a cache (at least one key folder it can prove it wrote). */
    public static boolean isCache(Path root) {
        return !keyFolders(root).isEmpty();
    }

    private static List<Path> dirs(Path parent, java.util.regex.Pattern names) {
        List<Path> dirs = new ArrayList<>();
        if (!Files.isDirectory(parent, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return dirs;
        }
        try (java.nio.file.DirectoryStream<Path> all = Files.newDirectoryStream(parent)) {
            for (Path p : all) {
                if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && (names == null || names.matcher(p.getFileName().toString()).matches())) {
                    dirs.add(p);
                }
            }
        } catch (IOException e) {
            // a folder being cleared meanwhile: what was listed is enough
        }
        return dirs;
    }

    private static boolean isUuid(String name) {
        try {
            return java.util.UUID.fromString(name).toString().equals(name);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The key folder's {@code key.json}, or null if it has none that reads as a key's. */
    private static Entry entry(Path folder) {
        Path file = folder.resolve(KEY_FILE);
        if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        try {
            Entry e = JSON.readValue(file.toFile(), Entry.class);
            return e.topic() == null || e.topicId() == null || e.pixels() == null || e.decoder() == null ? null : e;
        } catch (IOException e) {
            return null;
        }
    }

    /** Every key folder of the cache at {@code root}, with its shards' count and bytes; newest use first. */
    public static List<Listed> list(Path root) {
        List<Listed> listed = new ArrayList<>();
        for (Path folder : keyFolders(root)) {
            Entry entry = entry(folder);
            List<ShardFile> shards = shardFiles(folder);
            FileTime last = shards.stream().map(ShardFile::lastUsed).max(FileTime::compareTo)
                    .orElse(FileTime.fromMillis(0));
            listed.add(new Listed(folder, entry, shards.size(), shards.stream().mapToLong(ShardFile::bytes).sum(), last));
        }
        listed.sort((a, b) -> b.lastUsed().compareTo(a.lastUsed()));
        return listed;
    }

    /**
     * Deletes what the cache wrote in a key folder (its shards, its temporary files, its
     * {@code key.json}), then the folders left empty up to the format's folder; anything else found
     * there stays, with its folders. The bytes it freed.
     */
    public static long delete(Path folder) throws IOException {
        long freed = 0;
        for (ShardFile f : shardFiles(folder)) {
            if (Files.deleteIfExists(f.path())) {
                freed += f.bytes();
            }
        }
        for (Path partition : dirs(folder, PARTITION)) {
            try (Stream<Path> files = Files.list(partition)) {
                for (Path p : files.toList()) {
                    if (OWN_TEMP.matcher(p.getFileName().toString()).matches()
                            && Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
            deleteIfEmpty(partition);
        }
        Files.deleteIfExists(folder.resolve(KEY_FILE));
        // The decoder's, the spec's and the topic's folders, each only if nothing else is left in it.
        for (Path p = folder; p != null && p.getNameCount() > 1 && !VERSION.matcher(p.getFileName().toString()).matches();
             p = p.getParent()) {
            if (!deleteIfEmpty(p)) {
                break;
            }
        }
        return freed;
    }

    private static boolean deleteIfEmpty(Path dir) {
        try {
            Files.delete(dir);
            return true;
        } catch (IOException e) {
            return false; // not empty (someone's file), or gone
        }
    }

    /** Bytes of every shard file of the cache at {@code root}. */
    static long bytes(Path root) {
        return allShardFiles(root).stream().mapToLong(ShardFile::bytes).sum();
    }

    /** Every shard file of every key folder of the cache at {@code root} (what eviction may delete). */
    static List<ShardFile> allShardFiles(Path root) {
        List<ShardFile> files = new ArrayList<>();
        for (Path folder : keyFolders(root)) {
            files.addAll(shardFiles(folder));
        }
        return files;
    }

    /**
     * The shard files of one key folder: regular files named {@code p<P>-<start>-<end>.shard} in its
     * {@code p<P>} folders (nothing else, whatever its name).
     */
    static List<ShardFile> shardFiles(Path keyFolder) {
        List<ShardFile> files = new ArrayList<>();
        for (Path partition : dirs(keyFolder, PARTITION)) {
            String p = partition.getFileName().toString().substring(1);
            try (Stream<Path> all = Files.list(partition)) {
                for (Path f : all.toList()) {
                    java.util.regex.Matcher m = SHARD.matcher(f.getFileName().toString());
                    if (m.matches() && m.group(1).equals(p) && Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                        try {
                            files.add(new ShardFile(f, Files.size(f), Files.getLastModifiedTime(f)));
                        } catch (IOException e) {
                            // evicted by another process while listing
                        }
                    }
                }
            } catch (IOException | UncheckedIOException e) {
                // a folder being cleared meanwhile
            }
        }
        return files;
    }
}
