package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.cache.CacheCatalog;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.testing.BatchDigest;
import io.spritestream.loader.testing.Datasets;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decoded-sample cache end to end, on a real broker with real PNGs: the batches are the same,
 * byte for byte, with and without it, whatever happens to the cache (damage, a kill mid-write, two
 * processes at once, a limit, a folder it cannot write).
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CacheRunsTest {

    static final int BATCH = 32;
    static final int SIZE = 16;
    private static final int COUNT = 600;
    private static final String DATASET = "cache-test";
    private static final long SEED = 11;
    /** Blocks of 32 records: about as many blocks per epoch as a real dataset has with the default 512. */
    static final OrderSpec ORDER = new OrderSpec(SEED, true, 32, 64, io.spritestream.loader.replay.Remainder.DROP);

    private String bootstrap;
    private KafkaSettings kafka;
    private NDManager manager;
    /** The batches of 3 epochs without a cache: what every cached run must deliver. */
    private List<String> reference;

    @BeforeAll
    void produce(EmbeddedKafka broker) throws Exception {
        bootstrap = broker.bootstrapServers();
        kafka = KafkaSettings.of(bootstrap);
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        Datasets.synthetic(kafka, DATASET, COUNT, 6, SIZE, 3);
        reference = digests(config(null), 3).digests();
    }

    @AfterAll
    void close() {
        manager.close();
    }

    /**
     * The run's settings. The read window and the pool are small, in proportion to this small
     * dataset as the defaults are to a real one: a reader that ran a whole epoch ahead of the
     * decoders would find nothing of the last epoch cached yet.
     */
    private static LoaderConfig config(Path cache) {
        return LoaderConfig.dataset(DatasetRef.parse(DATASET)).order(ORDER).batchSize(BATCH)
                .pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD)).threads(2).readAheadRecords(64).slabs(6).cache(cache);
    }

    /** What a run delivered, and its counters. */
    private record Run(List<String> digests, LoaderStats stats, List<String> notices) {}

    private Run digests(LoaderConfig config, int epochs) throws InterruptedException {
        List<String> out = new ArrayList<>();
        List<String> notices = new CopyOnWriteArrayList<>();
        LoaderStats stats;
        try (SpriteLoader loader = SpriteLoader.open(config.epochs(epochs).conclude(), kafka, manager,
                RunObservers.NONE.withNotices(notices::add))) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    out.add(BatchDigest.of(batch));
                }
            }
            stats = loader.stats();
        }
        return new Run(out, stats, notices);
    }

    @Test
    void theSameSeedGivesByteIdenticalBatchesWithAndWithoutTheCacheAndLaterEpochsComeFromIt(@TempDir Path cache)
            throws Exception {
        Run filling = digests(config(cache), 3);
        Run warm = digests(config(cache), 3);

        assertEquals(reference, filling.digests(), "the run that fills the cache");
        assertEquals(reference, warm.digests(), "a run over the warm cache");
        // Epoch 1 decodes; later ones copy, but for blocks read before the decoders had published them.
        assertTrue(filling.stats().cacheMisses() >= COUNT && filling.stats().cacheMisses() < 1.5 * COUNT,
                "misses " + filling.stats().cacheMisses());
        assertEquals(3L * COUNT, filling.stats().cacheHits() + filling.stats().cacheMisses());
        assertEquals(3L * COUNT, warm.stats().cacheHits(), "every sample of the warm run from the cache");
        assertEquals(0, warm.stats().cacheMisses());
        assertEquals(0, warm.stats().cacheCorrupt());
    }

    @Test
    void aResumedRunOverTheCacheContinuesExactlyWhereTheInterruptedOneStopped(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        Path state = dir.resolve("state.json");
        List<String> first = digests(config(cache).maxBatches(30).saveState(state), 3).digests();
        List<String> rest = digests(LoaderConfig.resume(LoaderState.read(state)).threads(2).cache(cache)
                .pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD)), 3).digests();

        List<String> both = new ArrayList<>(first);
        both.addAll(rest);
        assertEquals(reference, both);
    }

    @Test
    void twoRanksOverOneCacheDeliverWhatTheyWouldWithout(@TempDir Path cache) throws Exception {
        for (int rank = 0; rank < 2; rank++) {
            List<String> without = digests(config(null).shard(rank, 2), 2).digests();
            assertEquals(without, digests(config(cache).shard(rank, 2), 2).digests(), "rank " + rank + ", filling");
        }
        for (int rank = 0; rank < 2; rank++) {
            Run again = digests(config(cache).shard(rank, 2), 2);
            assertEquals(digests(config(null).shard(rank, 2), 2).digests(), again.digests(), "rank " + rank + ", warm");
            assertTrue(again.stats().cacheHits() > 0, "rank " + rank + " read what both ranks cached");
        }
    }

    @Test
    void aFlippedByteInACacheFileIsCaughtAndTheBatchesStayTheSame(@TempDir Path cache) throws Exception {
        digests(config(cache), 1);
        List<Path> shards = shardFiles(cache);
        assertTrue(shards.size() > 1, shards.toString());
        Path damaged = shards.get(shards.size() / 2);
        flipByteOfFirstSample(damaged);

        Run run = digests(config(cache), 3);

        assertEquals(reference, run.digests());
        // Caught where it was read; an epoch planned before the damage was found may read it once more.
        assertTrue(run.stats().cacheCorrupt() >= 1, "the damaged sample caught");
        assertTrue(run.notices().stream().anyMatch(n -> n.contains(damaged.getFileName().toString())
                && n.contains("damaged")), run.notices().toString());
        Run after = digests(config(cache), 1);
        assertEquals(reference.subList(0, after.digests().size()), after.digests());
        assertEquals(0, after.stats().cacheCorrupt(), "the shard was decoded and written again");
    }

    @Test
    void aLimitSmallerThanTheDatasetKeepsTheFolderWithinItAndSaysSo(@TempDir Path cache) throws Exception {
        digests(config(cache), 1);
        long full = CacheCatalog.list(cache).stream().mapToLong(CacheCatalog.Listed::bytes).sum();
        Path small = cache.resolveSibling("small");
        long limit = full / 3;

        Run run = digests(config(small).cacheMaxBytes(limit), 3);

        assertEquals(reference, run.digests());
        long held = shardFiles(small).stream().mapToLong(p -> p.toFile().length()).sum();
        assertTrue(held <= limit, held + " bytes held for a limit of " + limit + ": " + shardFiles(small).stream()
                .map(f -> f.getFileName() + "=" + f.toFile().length()).toList());
        assertTrue(run.stats().cacheHits() > 0, "what fits is used");
        assertEquals(1, run.notices().stream().filter(n -> n.contains("at its limit")).count(), run.notices().toString());
    }

    @Test
    void aCacheFolderThatCannotBeWrittenIsAWarningAndTheRunCompletes(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("a-file"), "not a folder");

        Run run = digests(config(file.resolve("cache")), 3);

        assertEquals(reference, run.digests());
        assertEquals(1, run.notices().size(), run.notices().toString());
        assertTrue(run.notices().get(0).startsWith("decoded cache: cannot write to"), run.notices().toString());
    }

    @Test
    void aProcessKilledWhileWritingLeavesNothingHalfWrittenToBeServed(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        Path log = dir.resolve("killed.txt");
        Process child = child(cache, log, 1, 60, dir.resolve("killed.out"));
        try {
            awaitLines(log, 4, child, dir.resolve("killed.out"));
        } finally {
            child.destroyForcibly().waitFor(); // SIGKILL mid-epoch: writers half done, no chance to tidy up
        }
        for (Path shard : shardFiles(cache)) {
            io.spritestream.loader.cache.CacheCatalog.list(cache); // a listing never trips over a temporary file
            assertTrue(Files.size(shard) > 0, shard.toString());
        }

        Run after = digests(config(cache), 3);

        assertEquals(reference, after.digests());
        assertEquals(0, after.stats().cacheCorrupt(), "whatever was published was whole");
        try (Stream<Path> left = Files.walk(cache)) {
            assertEquals(List.of(), left.filter(p -> p.getFileName().toString().startsWith(".tmp-")).toList(),
                    "the killed writer's temporary files are swept");
        }
    }

    @Test
    void twoProcessesFillingOneCacheAtOnceBothDeliverTheRightBatches(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        Process a = child(cache, dir.resolve("a.txt"), 3, 0, dir.resolve("a.out"));
        Process b = child(cache, dir.resolve("b.txt"), 3, 0, dir.resolve("b.out"));
        assertTrue(a.waitFor(120, java.util.concurrent.TimeUnit.SECONDS) && b.waitFor(120,
                java.util.concurrent.TimeUnit.SECONDS), "both finish");
        assertEquals(0, a.exitValue(), Files.readString(dir.resolve("a.out")));
        assertEquals(0, b.exitValue(), Files.readString(dir.resolve("b.out")));

        assertEquals(reference, Files.readAllLines(dir.resolve("a.txt")));
        assertEquals(reference, Files.readAllLines(dir.resolve("b.txt")));
        Run after = digests(config(cache), 1);
        assertEquals(0, after.stats().cacheCorrupt());
        assertEquals(COUNT, after.stats().cacheHits(), "between them they cached every sample");
    }

    private Process child(Path cache, Path log, int epochs, long stepMs, Path out) throws IOException {
        return new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CachedRun.class.getName(), bootstrap, DATASET,
                String.valueOf(SEED), cache.toString(), log.toString(), String.valueOf(epochs), String.valueOf(stepMs))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    }

    private static void awaitLines(Path log, int lines, Process child, Path out) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!(Files.exists(log) && Files.readAllLines(log).size() >= lines)) {
            assertTrue(child.isAlive(), () -> "the child ended early: " + read(out));
            assertTrue(System.nanoTime() < deadline, "the child delivered " + lines + " batches within 90 s");
            Thread.onSpinWait();
        }
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static List<Path> shardFiles(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> all = Files.walk(cache)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".shard")).sorted().toList();
        }
    }

    /** Flips a byte in the first sample that has one (a published shard's data area starts after its index). */
    private static void flipByteOfFirstSample(Path shard) throws IOException {
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(header, 0);
            long dataOffset = header.getLong(56);
            int count = header.getInt(24);
            ByteBuffer entry = ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < count; i++) {
                entry.clear();
                ch.read(entry, 4096 + 32L * i);
                if (entry.get(0) == 1) {
                    long at = dataOffset + (long) entry.getInt(24) * SIZE * SIZE * 4 + 7; // the sample's data slot
                    ByteBuffer b = ByteBuffer.allocate(1);
                    ch.read(b, at);
                    b.put(0, (byte) (b.get(0) ^ 0x41));
                    b.position(0);
                    ch.write(b, at);
                    return;
                }
            }
        }
        throw new AssertionError("no sample in " + shard);
    }
}
