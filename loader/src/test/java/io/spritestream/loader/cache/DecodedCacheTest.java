package io.spritestream.loader.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Shard files on a real file system: written, published, read back, damaged, evicted. */
class DecodedCacheTest {

    private static final PixelSpec PIXELS = new PixelSpec(4, 4, 4, Fit.PAD);
    private static final CacheKey KEY = new CacheKey(new UUID(1, 2), "sprites.t", PIXELS, "1-test");
    private static final int SAMPLE = PIXELS.sampleBytes();

    @TempDir
    Path root;

    private final List<String> notices = new ArrayList<>();

    private DecodedCache open(long maxBytes) {
        return DecodedCache.open(root, KEY, "t", maxBytes, notices::add);
    }

    /** A slab-like buffer whose sample {@code i} has every byte = seed + i. */
    private static ByteBuffer samples(int count, int seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(count * SAMPLE);
        for (int i = 0; i < count; i++) {
            for (int k = 0; k < SAMPLE; k++) {
                b.put(i * SAMPLE + k, (byte) (seed + i));
            }
        }
        return b;
    }

    private static ByteBuffer key(String k) {
        return ByteBuffer.wrap(k.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes offsets [start, start+count) of partition 0: all samples but {@code missing} and {@code skipped}. */
    private static void fill(ShardWriter w, long start, int count, int seed, long missing, long skipped) {
        ByteBuffer from = samples(count, seed);
        CRC32C crc = new CRC32C();
        for (int i = 0; i < count; i++) {
            long o = start + i;
            if (o == missing) {
                w.missing(o);
            } else if (o == skipped) {
                w.skipped(o, key("k" + o), "cls".getBytes(StandardCharsets.UTF_8), o);
            } else {
                w.sample(o, from, i * SAMPLE, key("k" + o), ("c" + (o % 2)).getBytes(StandardCharsets.UTF_8), 1000 + o, crc);
            }
        }
        if (w.start() == start && w.end() == start + count) {
            settled(w); // the whole block: the cache's writer thread publishes it
        }
    }

    private static void settled(ShardWriter w) {
        try {
            assertTrue(w.awaitSettled(java.time.Duration.ofSeconds(30)), "shard " + w.start() + " published");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] copied(Shard s, long offset) {
        ByteBuffer to = ByteBuffer.allocateDirect(SAMPLE);
        try {
            assertTrue(s.copyTo(offset, to, 0, new CRC32C()), "checksum of " + offset);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        byte[] b = new byte[SAMPLE];
        to.get(0, b);
        return b;
    }

    @Test
    void aWholeBlockIsPublishedAndReadBackByteForByteWithItsMetadata() {
        try (DecodedCache cache = open(1L << 30)) {
            ShardWriter w = cache.writer(0, 100, 110);
            assertNull(cache.shard(0, 100, 110), "nothing is served before the block is whole");
            fill(w, 100, 10, 7, 103, 105);

            Shard s = cache.shard(0, 100, 110);
            assertNotNull(s);
            byte[] expected = new byte[SAMPLE];
            java.util.Arrays.fill(expected, (byte) (7 + 4));
            assertArrayEquals(expected, copied(s, 104));
            assertEquals("k104", StandardCharsets.UTF_8.decode(s.key(104)).toString());
            assertEquals("c0", new String(s.label(104), StandardCharsets.UTF_8));
            assertEquals(1104, s.timestamp(104));
            assertTrue(s.isMissing(103));
            assertFalse(s.hasSample(105), "a skipped record has no sample");
            assertEquals("k105", StandardCharsets.UTF_8.decode(s.key(105)).toString(), "but its key is kept");
        }
        assertTrue(notices.isEmpty(), notices.toString());
    }

    @Test
    void anotherProcessFindsThePublishedShardAndAShardNeverCoversMoreThanItHolds() {
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 8), 0, 8, 1, -1, -1);
        }
        try (DecodedCache later = open(1L << 30)) {
            assertNotNull(later.shard(0, 0, 8));
            assertNotNull(later.shard(0, 2, 6), "a block inside it");
            assertNull(later.shard(0, 4, 12), "a block past its end");
            assertNull(later.shard(1, 0, 8), "another partition");
        }
    }

    @Test
    void aShardNotWholeWhenTheRunEndsLeavesNoFileBehind() throws IOException {
        try (DecodedCache cache = open(1L << 30)) {
            ShardWriter w = cache.writer(0, 0, 8);
            w.sample(0, samples(1, 3), 0, key("k0"), null, 0, new CRC32C());
        }
        try (Stream<Path> files = Files.walk(root)) {
            assertEquals(List.of(), files.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().equals(CacheCatalog.KEY_FILE)).toList());
        }
    }

    @Test
    void aFlippedSampleByteFailsItsChecksumAndADamagedIndexOrHeaderIsNeverOpened() throws IOException {
        Path file;
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 4), 0, 4, 9, -1, -1);
            file = cache.shard(0, 0, 4).file();
        }
        long dataOffset = ShardFormat.dataOffset(4);
        flip(file, dataOffset + 2 * SAMPLE + 5); // slot 2: one thread filled offsets 0..3 in turn, slots 0..3
        Shard s = Shard.open(file, KEY);
        assertFalse(s.copyTo(2, ByteBuffer.allocateDirect(SAMPLE), 0, new CRC32C()), "the damaged sample");
        assertArrayEquals(copied(s, 1), copied(s, 1), "its neighbours are whole");

        flip(file, ShardFormat.HEADER_BYTES + 3); // the index
        assertThrows(CorruptShardException.class, () -> Shard.open(file, KEY));
        flip(file, ShardFormat.HEADER_BYTES + 3);
        flip(file, ShardFormat.H_START);
        assertThrows(CorruptShardException.class, () -> Shard.open(file, KEY));
    }

    @Test
    void aShardCutShortUnderTheRunCostsItsSamplesNotTheProcess() throws IOException {
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 4), 0, 4, 9, -1, -1);
            Shard s = cache.shard(0, 0, 4);
            assertArrayEquals(copied(s, 1), copied(s, 1), "whole before");
            try (FileChannel ch = FileChannel.open(s.file(), StandardOpenOption.WRITE)) {
                ch.truncate(ShardFormat.dataOffset(4)); // every page of samples gone: a read of them faults (SIGBUS)
            }
            ByteBuffer to = ByteBuffer.allocateDirect(SAMPLE);
            for (long o = 0; o < 4; o++) {
                assertFalse(s.copyTo(o, to, 0, new CRC32C()), "sample " + o + " of the cut file");
            }
            assertEquals("k2", StandardCharsets.UTF_8.decode(s.key(2)).toString(), "its checked index and keys are kept");
            cache.corrupt(s);
            cache.corrupt(s); // another decoder thread finds the same shard damaged
            assertEquals(1, cache.corruptShards(), "counted once");
            assertFalse(Files.exists(s.file()), "discarded: written again when its block is decoded");
            assertNull(cache.shard(0, 0, 4));
        }
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).contains("cut short"), notices.toString());
    }

    @Test
    void aWholeShardOfAnotherPartitionCopiedToThisPartitionsPathIsNeverServed() throws IOException {
        Path foreign;
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(1, 0, 4), 0, 4, 9, -1, -1);
            foreign = cache.shard(1, 0, 4).file();
        }
        Path here = foreign.getParent().resolveSibling("p0").resolve("p0-0-4.shard");
        Files.createDirectories(here.getParent());
        Files.copy(foreign, here);

        try (DecodedCache cache = open(1L << 30)) {
            assertNull(cache.shard(0, 0, 4), "partition 1's samples are not partition 0's");
            assertEquals(1, cache.corruptShards());
            assertNotNull(cache.shard(1, 0, 4), "the real one still serves its own partition");
        }
        assertFalse(Files.exists(here), "discarded: the next run decodes partition 0's block again");
        Files.copy(foreign, here);
        assertThrows(CorruptShardException.class, () -> Shard.open(here, KEY));
    }

    @Test
    void somethingOtherThanARegularFileInAShardsPlaceIsNeitherOpenedNorDeleted() throws Exception {
        Path file;
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 4), 0, 4, 9, -1, -1);
            file = cache.shard(0, 0, 4).file();
        }
        Files.delete(file);
        Process mkfifo = new ProcessBuilder("mkfifo", file.toString()).start();
        assertEquals(0, mkfifo.waitFor(), "mkfifo");

        // A FIFO blocks whoever opens it for reading until a writer comes: the cache must not try.
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> {
            try (DecodedCache cache = open(1L << 30)) {
                assertNull(cache.shard(0, 0, 4));
            }
        });
        assertTrue(Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                && !Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS), "the FIFO is left as it is");
        assertTrue(notices.stream().anyMatch(n -> n.contains("not a regular file")), notices.toString());
    }

    @Test
    void evictionListingAndClearingTouchOnlyWhatTheCacheWrote() throws IOException {
        // A user's files in the cache folder, some with names like the cache's own.
        Path weights = write(root.resolve("weights/model-00001-of-00002.shard"), 64 * SAMPLE);
        Path source = write(root.resolve("projects/app/src/main.py"), 10);
        Path gcpKey = write(root.resolve("gcp/key.json"), 10);
        long shardBytes = ShardFormat.dataOffset(8) + 8L * SAMPLE;
        long limit = 3 * shardBytes + shardBytes / 2;
        Path keyFolder;
        try (DecodedCache cache = open(limit)) {
            for (int b = 0; b < 6; b++) { // more than the limit holds: eviction runs
                ShardWriter w = cache.writer(0, b * 8L, b * 8L + 8);
                if (w != null) {
                    fill(w, b * 8L, 8, b, -1, -1);
                }
            }
            keyFolder = KEY.folder(root);
        }
        Path note = write(keyFolder.resolve("p0/notes.shard"), 10); // in the cache's own folder, not its name
        Path mine = write(keyFolder.resolve("mine.txt"), 10);
        assertTrue(Files.exists(weights) && Files.exists(source) && Files.exists(gcpKey), "eviction left them");

        List<CacheCatalog.Listed> listed = CacheCatalog.list(root);
        assertEquals(List.of(keyFolder), listed.stream().map(CacheCatalog.Listed::folder).toList(), "only the cache's key");
        CacheCatalog.delete(keyFolder);
        assertTrue(CacheCatalog.allShardFiles(root).isEmpty(), "every shard the cache wrote is gone");
        for (Path kept : List.of(weights, source, gcpKey, note, mine)) {
            assertTrue(Files.exists(kept), kept + " is not the cache's: kept");
        }
        assertFalse(CacheCatalog.isCache(root.resolve("projects")), "a folder the cache never wrote is not a cache");
    }

    private static Path write(Path file, int bytes) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.write(file, new byte[bytes]);
    }

    @Test
    void aShardOfAnotherKeyIsNotServedForThisOne() throws IOException {
        Path file;
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 4), 0, 4, 9, -1, -1);
            file = cache.shard(0, 0, 4).file();
        }
        CacheKey recreated = new CacheKey(new UUID(1, 3), "sprites.t", PIXELS, "1-test");
        CacheKey otherDecoder = new CacheKey(new UUID(1, 2), "sprites.t", PIXELS, "2-test");
        assertThrows(CorruptShardException.class, () -> Shard.open(file, recreated));
        assertThrows(CorruptShardException.class, () -> Shard.open(file, otherDecoder));
    }

    @Test
    void aDamagedShardIsDiscardedCountedAndSaidOnce() throws IOException {
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 4), 0, 4, 9, -1, -1);
            Shard s = cache.shard(0, 0, 4);
            cache.corrupt(s);
            assertFalse(Files.exists(s.file()));
            assertNull(cache.shard(0, 0, 4));
            assertEquals(1, cache.corruptShards());
        }
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).contains("damaged"), notices.toString());
    }

    @Test
    void writersOfOneBlockAddUpWhatEachDecoded() {
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 6), 0, 6, 10, -1, 4); // offset 4 skipped (the other side of a split)
            ShardWriter second = cache.writer(0, 0, 6);
            CRC32C crc = new CRC32C();
            ByteBuffer from = samples(6, 50);
            for (int i = 0; i < 6; i++) {
                if (i == 4) {
                    second.sample(4, from, 4 * SAMPLE, key("k4"), null, 4, crc);
                } else {
                    second.skipped(i, key("k" + i), null, i);
                }
            }
            settled(second);
            Shard merged = cache.shard(0, 0, 6);
            for (int i = 0; i < 6; i++) {
                assertTrue(merged.hasSample(i), "offset " + i);
            }
            assertEquals((byte) (50 + 4), copied(merged, 4)[0], "the second writer's sample");
            assertEquals((byte) (10 + 2), copied(merged, 2)[0], "the first writer's, carried over");
        }
    }

    @Test
    void theFolderStaysWithinItsLimitAndSaysOnceWhenTheRunDoesNotFit() throws IOException {
        long shardBytes = ShardFormat.dataOffset(8) + 8L * SAMPLE;
        long limit = 3 * shardBytes + shardBytes / 2;
        try (DecodedCache cache = open(limit)) {
            for (int b = 0; b < 6; b++) {
                ShardWriter w = cache.writer(0, b * 8L, b * 8L + 8);
                if (w != null) {
                    fill(w, b * 8L, 8, b, -1, -1);
                }
            }
        }
        assertTrue(CacheCatalog.bytes(root) <= limit, CacheCatalog.bytes(root) + " > " + limit);
        assertEquals(1, notices.stream().filter(n -> n.contains("at its limit")).count(), notices.toString());

        // Another run's key: the least recently used shards of the first make room for it.
        CacheKey other = new CacheKey(new UUID(9, 9), "sprites.u", PIXELS, "1-test");
        try (DecodedCache cache = DecodedCache.open(root, other, null, limit, notices::add)) {
            fill(cache.writer(0, 0, 8), 0, 8, 1, -1, -1);
            assertNotNull(cache.shard(0, 0, 8));
        }
        assertTrue(CacheCatalog.bytes(root) <= limit);
    }

    @Test
    void aFolderThatCannotBeWrittenIsOneWarningAndNothingMore() throws IOException {
        Path file = Files.writeString(root.resolve("not-a-folder"), "x");
        try (DecodedCache cache = DecodedCache.open(file.resolve("cache"), KEY, null, 1L << 30, notices::add)) {
            assertNull(cache.writer(0, 0, 8));
            assertNull(cache.writer(0, 8, 16));
            assertNull(cache.shard(0, 0, 8));
        }
        assertEquals(1, notices.size(), notices.toString());
        assertTrue(notices.get(0).startsWith("decoded cache: cannot write to "), notices.toString());
    }

    @Test
    void temporaryFilesOfDeadProcessesAreSweptAndNeverServed() throws IOException {
        try (DecodedCache cache = open(1L << 30)) {
            fill(cache.writer(0, 0, 4), 0, 4, 1, -1, -1);
        }
        Path dir = KEY.folder(root).resolve("p0");
        long deadPid = ProcessHandle.current().pid() + 4_000_000; // far beyond pid_max: no such process
        Path orphan = Files.write(dir.resolve(".tmp-p0-4-8-pid" + deadPid + "-1"), new byte[100]);
        Path live = Files.write(dir.resolve(".tmp-p0-8-12-pid" + ProcessHandle.current().pid() + "-1"), new byte[100]);
        try (DecodedCache cache = open(1L << 30)) {
            assertNull(cache.shard(0, 4, 8));
        }
        assertFalse(Files.exists(orphan), "a dead writer's temporary file is swept");
        assertTrue(Files.exists(live), "a live writer's is left to it");
    }

    private static void flip(Path file, long at) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x5A));
            b.position(0);
            ch.write(b, at);
        }
    }
}
