package io.spritestream.loader.cache;

import io.spritestream.files.OwnerOnly;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The decoded-sample cache of one run: the shards of one {@link CacheKey} under the cache root,
 * found by block ({@link #shard}), and writers for the blocks the run decodes ({@link #writer}).
 *
 * <p>Safe by construction: a shard is published by an atomic rename once whole and is immutable
 * after; a temporary file is never read; a shard whose checksums fail is discarded and its samples
 * decoded again. Several processes share one cache folder: they read the same files (one copy, in
 * the OS page cache), and two that write the same block publish the same content (the later rename
 * wins; writers of one block merge what the other published). The folder is bounded by
 * {@code maxBytes}: whole shard files are evicted, least recently used first; when the run's own
 * shards do not fit, it says so once and the rest is decoded every epoch. A folder that cannot be
 * written (read-only, disk full) is one warning, and the run goes on with what it can read.
 *
 * <p>Shards are written to the file system by a thread of the cache's own ({@link ShardPublisher}),
 * never by the decoders that fill them: a publication waits for the page cache (~0.3 GB/s where the
 * machine's memory is touched for the first time), and a decoder waiting for it would hold back
 * the batch it decodes for, and every batch after it.
 *
 * <p>Thread-safe. The folder's byte count changes under this object's lock only (a writer's
 * reservation, a publication, an eviction, a discard), so that a recount from the disk never loses a
 * change made meanwhile.
 */
public final class DecodedCache implements AutoCloseable {

    private static final Pattern SHARD = Pattern.compile("p(\\d+)-(\\d+)-(\\d+)\\.shard");
    private static final Pattern TEMP = Pattern.compile("\\.tmp-.*-pid(\\d+)-.*");
    private static final long STALE_TEMP_MILLIS = 24L * 3600 * 1000;

    private final Path root;
    private final CacheKey key;
    private final Path folder;
    private final long maxBytes;
    private final Consumer<String> notices;
    /** Published shards of this key: partition, then start offset, to the file. */
    private final Map<Integer, NavigableMap<Long, Path>> published = new ConcurrentHashMap<>();
    /** Shards opened by this run (each once; closed with the cache). */
    private final Map<Path, Shard> opened = new ConcurrentHashMap<>();
    /** Shard files this run uses: never evicted by it. */
    private final Set<Path> inUse = ConcurrentHashMap.newKeySet();
    private final Set<ShardWriter> writing = ConcurrentHashMap.newKeySet();
    private final AtomicLong folderBytes = new AtomicLong();
    private final AtomicLong corrupt = new AtomicLong();
    private final AtomicBoolean writable = new AtomicBoolean(true);
    private final AtomicBoolean warnedFull = new AtomicBoolean();
    private final ShardPublisher publisher = new ShardPublisher(this);

    private DecodedCache(Path root, CacheKey key, long maxBytes, Consumer<String> notices) {
        this.root = root;
        this.key = key;
        this.folder = key.folder(root);
        this.maxBytes = maxBytes;
        this.notices = notices;
    }

    /**
     * The cache of {@code key} under {@code root} ({@code dataset}: the dataset read through it, for
     * listings, or null): sweeps temporary files of dead processes, lists
     * the published shards and evicts down to {@code maxBytes}. Never throws for an unusable
     * folder: it warns once and the cache serves and takes nothing.
     */
    public static DecodedCache open(Path root, CacheKey key, String dataset, long maxBytes, Consumer<String> notices) {
        DecodedCache cache = new DecodedCache(root, key, maxBytes, notices);
        try {
            OwnerOnly.createDirectories(cache.folder);
            CacheCatalog.remember(root, key, cache.folder, dataset);
        } catch (IOException | UncheckedIOException e) {
            cache.unwritable(e);
        }
        cache.sweepTemps();
        cache.refresh();
        cache.folderBytes.set(CacheCatalog.bytes(root));
        cache.evictDownTo(maxBytes);
        return cache;
    }

    /** Bytes of shard files under the whole cache root, as this process last counted them. */
    public long folderBytes() {
        return folderBytes.get();
    }

    /** Shards found damaged (a checksum that failed) and discarded by this run. */
    public long corruptShards() {
        return corrupt.get();
    }

    /** Lists the published shards again (the start of an epoch: other processes may have added some). */
    public void refresh() {
        for (Path dir : partitionFolders()) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.shard")) {
                for (Path f : files) {
                    Matcher m = SHARD.matcher(f.getFileName().toString());
                    if (m.matches()) {
                        published.computeIfAbsent(Integer.parseInt(m.group(1)), p -> new ConcurrentSkipListMap<>())
                                .put(Long.parseLong(m.group(2)), f);
                    }
                }
            } catch (IOException e) {
                // a folder another process is clearing: what is listed is enough
            }
        }
    }

    private List<Path> partitionFolders() {
        List<Path> dirs = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return dirs;
        }
        try (DirectoryStream<Path> all = Files.newDirectoryStream(folder, "p*")) {
            all.forEach(d -> {
                if (Files.isDirectory(d)) {
                    dirs.add(d);
                }
            });
        } catch (IOException e) {
            return dirs;
        }
        return dirs;
    }

    /**
     * A published shard that covers {@code [start, end)} of {@code partition}, opened and checked;
     * null if none (or the one there is damaged: it is discarded).
     */
    public Shard shard(int partition, long start, long end) {
        NavigableMap<Long, Path> shards = published.get(partition);
        if (shards == null) {
            return null;
        }
        Map.Entry<Long, Path> candidate = shards.floorEntry(start);
        if (candidate == null) {
            return null;
        }
        Path file = candidate.getValue();
        Shard s = opened.get(file);
        if (s == null) {
            if (Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && !Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                // Not a file this cache wrote (a link, a FIFO, a device): never opened, never deleted.
                shards.remove(candidate.getKey(), file);
                notices.accept("decoded cache: " + file + " is not a regular file; it is not read, and left as it is");
                return null;
            }
            try {
                s = Shard.open(file, key);
            } catch (NoSuchFileException e) {
                shards.remove(candidate.getKey(), file);
                return null;
            } catch (CorruptShardException e) {
                discard(file, e.getMessage());
                return null;
            } catch (IOException e) {
                // Unreadable, which says nothing of its bytes (no permission, too many open files):
                // not used by this run, and left as it is.
                shards.remove(candidate.getKey(), file);
                notices.accept("decoded cache: cannot read " + file + " (" + e.getMessage()
                        + "); its samples are decoded from Kafka");
                return null;
            }
            Shard first = opened.putIfAbsent(file, s); // one instance per file, whichever thread opened it first
            if (first != null) {
                closeQuietly(s);
                s = first;
            } else {
                inUse.add(file);
                touch(file);
            }
        }
        return s.start() <= start && s.end() >= end ? s : null;
    }

    /**
     * A writer for the shard of {@code [start, end)} of {@code partition}, or null if the cache does
     * not take more: the folder is not writable, or is full of this run's own shards.
     */
    public synchronized ShardWriter writer(int partition, long start, long end) {
        if (!writable.get()) {
            return null;
        }
        int count = Math.toIntExact(end - start);
        long bytes = ShardFormat.dataOffset(count) + (long) count * (key.pixels().sampleBytes() + ShardWriter.META_RESERVE);
        if (folderBytes.get() + bytes > maxBytes && !evictDownTo(maxBytes - bytes)) {
            if (warnedFull.compareAndSet(false, true)) {
                notices.accept("decoded cache: " + root + " is at its limit of " + megabytes(maxBytes)
                        + " with shards this run uses; the rest is decoded every epoch (raise --cache-max-bytes)");
            }
            return null;
        }
        Path dir = folder.resolve("p" + partition);
        String name = "p" + partition + "-" + start + "-" + end;
        try {
            OwnerOnly.createDirectories(dir);
            Path temp = dir.resolve(".tmp-" + name + "-pid" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            ShardWriter w = new ShardWriter(this, key, temp, dir.resolve(name + ".shard"), partition, start, count);
            writing.add(w);
            folderBytes.addAndGet(bytes);
            return w;
        } catch (IOException | UncheckedIOException e) {
            unwritable(e);
            return null;
        }
    }

    /** Chunk {@code chunk} of {@code w} is full: the writer thread appends it. Any thread. */
    void append(ShardWriter w, int chunk) {
        publisher.run(() -> w.writeChunk(chunk));
    }

    /** Every offset of {@code w} is accounted for: the writer thread publishes it. Any thread. */
    void complete(ShardWriter w) {
        publisher.publish(w);
    }

    /** A writer published its shard (or could not). */
    synchronized void finished(ShardWriter w, boolean done) {
        writing.remove(w);
        if (!done) {
            folderBytes.addAndGet(-w.bytes());
            return;
        }
        Path file = folder.resolve("p" + w.partition()).resolve("p" + w.partition() + "-" + w.start() + "-"
                + w.end() + ".shard");
        folderBytes.addAndGet(w.publishedBytes() - w.bytes() - w.replacedBytes());
        if (folderBytes.get() > maxBytes && !evictDownTo(maxBytes)) {
            // Its keys took more room than reserved and nothing else can go: it goes, to keep the bound.
            try {
                Files.deleteIfExists(file);
                folderBytes.addAndGet(-w.publishedBytes());
            } catch (IOException ignored) {
                // counted again at the next eviction
            }
            return;
        }
        published.computeIfAbsent(w.partition(), p -> new ConcurrentSkipListMap<>()).put(w.start(), file);
        opened.remove(file); // a shard opened before was replaced: open the new one when asked
        inUse.add(file);
    }

    void writeFailed(ShardWriter w, Exception e) {
        unwritable(e);
    }

    private void unwritable(Exception e) {
        if (writable.compareAndSet(true, false)) {
            notices.accept("decoded cache: cannot write to " + folder + " (" + e.getMessage()
                    + "); this run goes on without adding to the cache");
        }
    }

    /**
     * A shard a sample of which could not be read back (its checksum failed, or the file was cut
     * short under the run): counted, and the file is removed so it is written again; the sample is
     * decoded from Kafka instead. Said once per shard, however many threads find it: a later call
     * for the same shard (or for one already replaced) does nothing.
     */
    public void corrupt(Shard shard) {
        if (opened.remove(shard.file(), shard)) {
            discard(shard.file(), "a sample cannot be read back: its checksum fails, or the file was cut short");
        }
    }

    private synchronized void discard(Path file, String why) {
        corrupt.incrementAndGet();
        opened.remove(file);
        published.values().forEach(m -> m.values().remove(file));
        notices.accept("decoded cache: " + file.getFileName() + " is damaged (" + why
                + "); its samples are decoded again from Kafka");
        try {
            long size = Files.size(file);
            Files.deleteIfExists(file);
            folderBytes.addAndGet(-size);
        } catch (IOException e) {
            // another process removed it first
        }
    }

    /** Deletes temporary files left by processes that died while writing. */
    private void sweepTemps() {
        for (Path dir : partitionFolders()) {
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(f -> {
                    Matcher m = TEMP.matcher(f.getFileName().toString());
                    if (m.matches() && staleTemp(f, Long.parseLong(m.group(1)))) {
                        try {
                            Files.deleteIfExists(f);
                        } catch (IOException ignored) {
                            // another process swept it
                        }
                    }
                });
            } catch (IOException ignored) {
                // nothing to sweep
            }
        }
    }

    private static boolean staleTemp(Path f, long pid) {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            try {
                return Files.getLastModifiedTime(f).toMillis() < System.currentTimeMillis() - STALE_TEMP_MILLIS;
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Evicts shard files, least recently used first, never one this run uses, until the root holds
     * at most {@code bytes}.
     *
     * @return whether it got there
     */
    private synchronized boolean evictDownTo(long bytes) {
        if (folderBytes.get() <= bytes) {
            return true;
        }
        List<CacheCatalog.ShardFile> all = new ArrayList<>(CacheCatalog.allShardFiles(root));
        long total = all.stream().mapToLong(CacheCatalog.ShardFile::bytes).sum();
        folderBytes.set(total + writing.stream().mapToLong(ShardWriter::bytes).sum());
        all.sort(Comparator.comparing(CacheCatalog.ShardFile::lastUsed));
        for (CacheCatalog.ShardFile f : all) {
            if (folderBytes.get() <= bytes) {
                break;
            }
            if (inUse.contains(f.path())) {
                continue;
            }
            try {
                Files.deleteIfExists(f.path());
                folderBytes.addAndGet(-f.bytes());
            } catch (IOException ignored) {
                // another process evicted it
            }
        }
        return folderBytes.get() <= bytes;
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException ignored) {
            // a read-only cache still serves
        }
    }

    static String megabytes(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    /** Gives up the shards not yet whole (their temporary files are deleted). */
    @Override
    public void close() {
        // Shards complete by now are published (the next run starts from them); then the rest is given up.
        publisher.drainAndStop();
        abandonUnfinished();
        opened.values().forEach(DecodedCache::closeQuietly);
        opened.clear();
    }

    private static void closeQuietly(Shard s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // opened to read only: nothing was left to write
        }
    }

    private synchronized void abandonUnfinished() {
        for (ShardWriter w : writing) {
            w.abandon();
            folderBytes.addAndGet(-w.bytes());
        }
        writing.clear();
    }
}
