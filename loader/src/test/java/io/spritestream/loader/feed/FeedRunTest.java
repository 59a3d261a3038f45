package io.spritestream.loader.feed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.config.SettingsFailure;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.producer.source.Sprite;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Remainder;
import io.spritestream.loader.testing.BatchDigest;
import io.spritestream.loader.testing.Datasets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Map;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feed against a viewer written here from the README's description of the ring and the
 * protocol alone (a real broker, real PNGs): what it reads from the ring is what the loader
 * delivers, a slot it holds is left alone, and however the run ends the ring's file is gone.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FeedRunTest {

    private static final String DATASET = "feed-test";
    private static final int COUNT = 300;
    /** A dataset of whole batches: every epoch's last batch is full. */
    private static final String WHOLE = "feed-whole";
    private static final int WHOLE_COUNT = 320;
    private static final int BATCH = 32;
    private static final int SIZE = 16;

    private KafkaSettings kafka;
    private NDManager manager;
    private final ExecutorService runs = Executors.newCachedThreadPool();

    @BeforeAll
    void produce(EmbeddedKafka broker) {
        kafka = KafkaSettings.of(broker.bootstrapServers());
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        Datasets.synthetic(kafka, DATASET, COUNT, 5, SIZE, 2);
        Datasets.synthetic(kafka, WHOLE, WHOLE_COUNT, 3, SIZE, 2);
    }

    @AfterAll
    void close() {
        runs.shutdownNow();
        manager.close();
    }

    private static LoaderSettings settings(int epochs, int slabs) {
        return settings(DATASET, epochs, slabs);
    }

    private static LoaderSettings settings(String dataset, int epochs, int slabs) {
        return LoaderConfig.dataset(DatasetRef.parse(dataset)).order(new OrderSpec(3, true, 32, 64, Remainder.DROP))
                .batchSize(BATCH).pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD)).threads(2).slabs(slabs).epochs(epochs)
                .cache(null).conclude();
    }

    /** What the loader delivers for {@code settings}, batch by batch, read the usual way. */
    private List<String> reference(LoaderSettings settings) throws InterruptedException {
        List<String> digests = new ArrayList<>();
        try (SpriteLoader loader = SpriteLoader.open(settings, kafka, manager, LoaderListener.NONE)) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    digests.add(BatchDigest.of(batch));
                }
            }
        }
        return digests;
    }

    @Test
    void theViewerReadsFromTheRingExactlyWhatTheLoaderDeliversAndTheReportEndsTheRun(@TempDir Path ringDir)
            throws Exception {
        LoaderSettings settings = settings(2, 6);
        Viewer viewer = new Viewer(settings, ringDir);
        List<String> seen = new ArrayList<>();
        List<String> classes = null;
        for (String line = viewer.line(); !line.startsWith("E "); line = viewer.line()) {
            if (line.startsWith("C ")) {
                classes = List.of(line.substring(2).replaceAll("[\\[\\]\"]", "").split(","));
            } else if (line.startsWith("B ")) {
                String[] b = line.split(" ");
                int slot = Integer.parseInt(b[1]);
                seen.add(viewer.digest(slot, Integer.parseInt(b[2]), Integer.parseInt(b[3])));
                viewer.answer("F " + slot);
            }
        }
        RunReport report = viewer.run.get(60, TimeUnit.SECONDS);

        assertEquals(reference(settings), seen);
        assertEquals(List.of("ball", "cross", "diamond", "heart", "ring"), classes);
        assertEquals(2L * COUNT, report.samples());
        assertFalse(Files.exists(viewer.ring), "the ring's file is gone at the end");
    }

    @Test
    void aLongKeyIsCutAndEveryOtherRowKeepsItsKey(@TempDir Path ringDir) throws Exception {
        String topic = "sprites.feed-long-keys";
        List<Sprite> sprites = new ArrayList<>(Datasets.syntheticByKey(16, 2, SIZE).values());
        List<Datasets.Raw> records = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < sprites.size(); i++) {
            // Offset 0: a 100 kB key of 2-byte characters (the slot holds 16 kB for 16 rows); offset 5: one of 1,000 bytes.
            String key = i == 0 ? "k" + "é".repeat(50_000) : i == 5 ? "é".repeat(500) : "key-" + i;
            keys.add(key);
            records.add(new Datasets.Raw(key, sprites.get(i).label(), sprites.get(i).bytes()));
        }
        Datasets.writeTopic(kafka, topic, records);
        LoaderSettings settings = LoaderConfig.topic(topic).batchSize(16).pixels(new PixelSpec(SIZE, SIZE, 4, Fit.PAD))
                .threads(2).slabs(4).epochs(1).cache(null).conclude();

        Viewer viewer = new Viewer(settings, ringDir, 16);
        Map<Long, String> seen = new java.util.TreeMap<>();
        for (String line = viewer.line(); !line.startsWith("E "); line = viewer.line()) {
            if (line.startsWith("B ")) {
                String[] b = line.split(" ");
                seen.putAll(viewer.keys(Integer.parseInt(b[1]), Integer.parseInt(b[2])));
                viewer.answer("F " + b[1]);
            }
        }
        viewer.run.get(60, TimeUnit.SECONDS);

        assertEquals(16, seen.size());
        for (long o = 1; o < 16; o++) {
            assertEquals(keys.get((int) o), seen.get(o), "the key of offset " + o);
        }
        String cut = seen.get(0L);
        int cutBytes = cut.getBytes(StandardCharsets.UTF_8).length;
        assertTrue(cutBytes >= 1023 && cutBytes < 100_001 && keys.get(0).startsWith(cut),
                "cut between characters, to at least its row's 1024 bytes less a character: " + cutBytes);
    }

    @Test
    void eachEpochsEndIsTheLineRightAfterItsLastBatch(@TempDir Path ringDir) throws Exception {
        Viewer viewer = new Viewer(settings(3, 6), ringDir);
        List<String> said = new ArrayList<>();
        for (String line = viewer.line(); !line.startsWith("E "); line = viewer.line()) {
            if (line.startsWith("B ")) {
                String[] b = line.split(" ");
                said.add("B " + b[3]);
                viewer.answer("F " + b[1]);
            } else if (line.startsWith("N ")) {
                said.add(line);
            }
        }
        viewer.run.get(60, TimeUnit.SECONDS);

        int perEpoch = (COUNT + BATCH - 1) / BATCH;
        List<String> expected = new ArrayList<>();
        for (int epoch = 0; epoch < 3; epoch++) {
            for (int b = 0; b < perEpoch; b++) {
                expected.add("B " + epoch);
            }
            expected.add("N " + epoch);
        }
        assertEquals(expected, said);
    }

    @Test
    @Timeout(60)
    void anEpochWhoseLastBatchIsFullEndsWithoutWaitingForTheNextEpochsFirstBatch(@TempDir Path ringDir)
            throws Exception {
        // 10 full batches an epoch in 4 slots: the viewer keeps the last 4 batches of epoch 0, so no
        // batch of epoch 1 can be written until it answers; the epoch's end must come before that.
        Viewer viewer = new Viewer(settings(WHOLE, 2, 4), ringDir);
        List<String> kept = new ArrayList<>();
        String line = viewer.line();
        for (; !line.startsWith("N "); line = viewer.line()) {
            if (line.startsWith("B ")) {
                String[] b = line.split(" ");
                assertEquals("0", b[3], "a batch of epoch 1 before epoch 0's end: " + line);
                if (Integer.parseInt(b[4]) < 6) {
                    viewer.answer("F " + b[1]);
                } else {
                    kept.add(b[1]);
                }
            }
        }
        assertEquals("N 0", line);
        assertEquals(4, kept.size(), "the viewer holds every slot");
        for (String slot : kept) {
            viewer.answer("F " + slot);
        }
        List<String> rest = new ArrayList<>();
        for (line = viewer.line(); !line.startsWith("E "); line = viewer.line()) {
            if (line.startsWith("B ")) {
                viewer.answer("F " + line.split(" ")[1]);
            }
            rest.add(line.substring(0, 1));
        }
        viewer.run.get(60, TimeUnit.SECONDS);

        assertEquals(11, rest.size(), "10 batches of epoch 1, then its end: " + rest);
        assertEquals("N", rest.get(10));
    }

    @Test
    void aSlotTheViewerHoldsIsNeitherAnnouncedNorWrittenUntilItsAnswer(@TempDir Path ringDir) throws Exception {
        LoaderSettings settings = settings(3, 4);
        Viewer viewer = new Viewer(settings, ringDir);
        String[] first = viewer.nextBatch();
        int held = Integer.parseInt(first[1]);
        String before = viewer.digest(held, Integer.parseInt(first[2]), Integer.parseInt(first[3]));
        int batches = 1;
        for (String line = viewer.line(); !line.startsWith("E "); line = viewer.line()) {
            if (line.startsWith("B ")) {
                int slot = Integer.parseInt(line.split(" ")[1]);
                assertNotEquals(held, slot, "batch " + batches + " came in the held slot");
                batches++;
                viewer.answer("F " + slot);
            }
        }
        viewer.run.get(60, TimeUnit.SECONDS);

        assertTrue(batches > 3 * 4, "the other slots went round several times: " + batches + " batches");
        assertEquals(before, viewer.digest(held, Integer.parseInt(first[2]), Integer.parseInt(first[3])),
                "the held slot's bytes after the whole run");
    }

    @Test
    void theViewersEndStopsTheRunAndTheRingFileIsGone(@TempDir Path ringDir) throws Exception {
        Viewer viewer = new Viewer(settings(50, 4), ringDir);
        viewer.nextBatch();
        viewer.answers.close();

        assertNull(viewer.run.get(60, TimeUnit.SECONDS), "a run the viewer stopped has no report");
        assertFalse(Files.exists(viewer.ring));
    }

    @RepeatedTest(5)
    void aSlotTheViewerHoldsWhenItStopsTheRunIsNeverWrittenAgain(@TempDir Path ringDir) throws Exception {
        // The viewer keeps its first batch and answers every other at once, so the loader is busy
        // reading and decoding when the viewer stops the run. What it holds must stay as it was:
        // its slot may go back only to a pool nobody fills any more.
        Viewer viewer = new Viewer(settings(50, 4), ringDir);
        String[] kept = viewer.nextBatch();
        String before = viewer.digest(Integer.parseInt(kept[1]), Integer.parseInt(kept[2]), Integer.parseInt(kept[3]));
        for (int i = 0; i < 30; i++) {
            viewer.answer("F " + viewer.nextBatch()[1]);
        }
        viewer.answers.close();
        viewer.run.get(60, TimeUnit.SECONDS);

        assertEquals(before, viewer.digest(Integer.parseInt(kept[1]), Integer.parseInt(kept[2]),
                Integer.parseInt(kept[3])));
    }

    @Test
    void aViewerThatAnswersNonsenseEndsTheRunWithTheReason(@TempDir Path ringDir) throws Exception {
        Viewer viewer = new Viewer(settings(50, 4), ringDir);
        viewer.nextBatch();
        viewer.answer("F 99");

        ExecutionException failed = assertThrows(ExecutionException.class, () -> viewer.run.get(60, TimeUnit.SECONDS));
        assertEquals("feed: the viewer sent 'F 99' (expected 'F <slot>' with a slot it holds, or 'T <index>' with "
                + "the next batch announced)", failed.getCause().getMessage());
        assertFalse(Files.exists(viewer.ring));
    }

    @Test
    void aTakeThatSkipsAheadIsAProtocolErrorAndTheStateNeverRecordsBatchesNotTaken(@TempDir Path dir)
            throws Exception {
        Path state = dir.resolve("state.json");
        Viewer viewer = new Viewer(settings(50, 4).toConfig().saveState(state).conclude(), dir);
        String[] first = viewer.nextBatch();
        viewer.nextBatch();
        viewer.answer("T 1"); // batch 0 was never taken

        ExecutionException failed = assertThrows(ExecutionException.class, () -> viewer.run.get(60, TimeUnit.SECONDS));
        assertEquals("feed: the viewer sent 'T 1' (expected 'F <slot>' with a slot it holds, or 'T <index>' with "
                + "the next batch announced)", failed.getCause().getMessage());
        assertEquals("0", first[4]);
        assertTrue(!Files.exists(state) || LoaderState.read(state).batchesDelivered() == 0,
                "no batch counted as taken");
    }

    @Test
    void theStateFileFollowsTheBatchesTheLoopTookNotTheRingsFill(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        LoaderSettings settings = settings(2, 12).toConfig().saveState(state).conclude();
        Viewer viewer = new Viewer(settings, dir);
        for (int taken = 0; taken < 3; taken++) {
            String[] b = viewer.nextBatch();
            viewer.answer("T " + b[4]);
            viewer.answer("F " + b[1]);
        }
        String[] fourth = viewer.nextBatch(); // announced, never taken
        assertEquals("3", fourth[4]);
        viewer.answers.close();
        viewer.run.get(60, TimeUnit.SECONDS);

        LoaderState saved = LoaderState.read(state);
        assertEquals(3, saved.batchesDelivered());
        assertEquals(3L * BATCH, saved.position());
    }

    @Test
    void aRingBiggerThanItsFolderFailsAtStartSayingHowMuchAndWhatToDo(@TempDir Path ringDir) throws Exception {
        // 4096 slabs of 1024 samples of 512x512 RGBA: 4.4 TB, more than any test machine's folder has.
        LoaderSettings huge = LoaderConfig.dataset(DatasetRef.parse(DATASET)).batchSize(1024)
                .pixels(new PixelSpec(512, 512, 4, Fit.PAD)).slabs(4096).cache(null).conclude();

        SettingsFailure failure = assertThrows(SettingsFailure.class,
                () -> new FeedRun(huge, kafka, ringDir).run(InputStreamNothing.INSTANCE, OutputStream.nullOutputStream()));

        assertTrue(failure.settingText().forCommandLine().matches("shared memory: the ring needs 4\\d{6}\\.\\d MB in .*, which has "
                + ".* MB free \\(Docker's default is 64 MB: run the container with --shm-size=1g or more; or ask for "
                + "fewer --slabs, a smaller --batch or --size; or give a roomier tmpfs as --ring-dir\\)"),
                failure.settingText().forCommandLine());
        try (Stream<Path> left = Files.list(ringDir)) {
            assertEquals(0, left.count());
        }
    }

    @Test
    void ringsOfProcessesThatAreGoneAreSweptAndOthersLeftAlone(@TempDir Path ringDir) throws Exception {
        long dead = ProcessHandle.current().pid() + 1_000_000; // beyond any pid this machine hands out
        Path stale = Files.createFile(ringDir.resolve("spritestream-" + dead + "-1.ring"));
        Path mine = Files.createFile(ringDir.resolve("spritestream-" + ProcessHandle.current().pid() + "-1.ring"));
        Path other = Files.createFile(ringDir.resolve("notes.txt"));

        Ring.sweep(ringDir);

        assertFalse(Files.exists(stale));
        assertTrue(Files.exists(mine));
        assertTrue(Files.exists(other));
    }

    /** Standard input with nothing to say. */
    private static final class InputStreamNothing extends java.io.InputStream {
        static final InputStreamNothing INSTANCE = new InputStreamNothing();

        @Override
        public int read() {
            return -1;
        }
    }

    /** The other side of a feed, as another language would write it from the README. */
    private final class Viewer {
        final Future<RunReport> run;
        final PipedOutputStream answers = new PipedOutputStream();
        final BufferedReader lines;
        final Path ring;
        final ByteBuffer header;
        final FileChannel channel;

        Viewer(LoaderSettings settings, Path ringDir) throws IOException {
            this(settings, ringDir, BATCH);
        }

        Viewer(LoaderSettings settings, Path ringDir, int batch) throws IOException {
            PipedInputStream loaderIn = new PipedInputStream(answers);
            PipedInputStream said = new PipedInputStream(1 << 16);
            PipedOutputStream loaderOut = new PipedOutputStream(said);
            run = runs.submit(() -> new FeedRun(settings, kafka, ringDir).run(loaderIn, loaderOut));
            lines = new BufferedReader(new InputStreamReader(said, StandardCharsets.UTF_8));
            String[] r = line().split(" ", 4);
            assertEquals("R", r[0]);
            ring = Path.of(r[3]);
            assertEquals(ringDir, ring.getParent());
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(ring)), "the ring is its owner's alone, whatever the umask");
            channel = FileChannel.open(ring);
            header = channel.map(FileChannel.MapMode.READ_ONLY, 0, 4096).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals("SPRRING1", new String(bytes(header, 0, 8), StandardCharsets.US_ASCII));
            assertEquals(Integer.parseInt(r[1]), header.getInt(16), "slots");
            assertEquals(Integer.parseInt(r[2]), header.getInt(20), "stride");
            assertEquals(List.of(batch, SIZE, SIZE, 4), List.of(header.getInt(24), header.getInt(28), header.getInt(32),
                    header.getInt(36)));
            assertEquals(ProcessHandle.current().pid(), header.getLong(72));
        }

        String line() throws IOException {
            String line = lines.readLine();
            assertTrue(line != null, "the feed ended its output early");
            return line;
        }

        String[] nextBatch() throws IOException {
            for (String line = line(); ; line = line()) {
                if (line.startsWith("B ")) {
                    return line.split(" ");
                }
            }
        }

        /** Answers; an answer to the run's last batch may find the run already over, as a pipe's would. */
        void answer(String line) throws IOException {
            try {
                answers.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                answers.flush();
            } catch (IOException e) {
                if (!run.isDone() && !"Pipe closed".equals(e.getMessage())) {
                    throw e;
                }
            }
        }

        /** Each row's key in {@code slot}, by its offset. */
        Map<Long, String> keys(int slot, int rows) throws IOException {
            ByteBuffer s = channel.map(FileChannel.MapMode.READ_ONLY, 4096 + (long) slot * header.getInt(20),
                    header.getInt(20)).order(ByteOrder.LITTLE_ENDIAN);
            Map<Long, String> keys = new java.util.HashMap<>();
            for (int i = 0; i < rows; i++) {
                int from = s.getInt(header.getInt(56) + 4 * i);
                int to = s.getInt(header.getInt(56) + 4 * (i + 1));
                keys.put(s.getLong(header.getInt(52) + 8 * i),
                        new String(bytes(s, header.getInt(60) + from, to - from), StandardCharsets.UTF_8));
            }
            return keys;
        }

        /** The batch in {@code slot} as {@link BatchDigest} writes it, read from the ring by the header's offsets. */
        String digest(int slot, int rows, int epoch) throws IOException {
            int stride = header.getInt(20);
            ByteBuffer s = channel.map(FileChannel.MapMode.READ_ONLY, 4096 + (long) slot * stride, stride)
                    .order(ByteOrder.LITTLE_ENDIAN);
            StringBuilder sb = new StringBuilder("epoch ").append(epoch).append(' ');
            int keyStarts = header.getInt(56);
            int keyBytes = header.getInt(60);
            for (int i = 0; i < rows; i++) {
                int from = s.getInt(keyStarts + 4 * i);
                int to = s.getInt(keyStarts + 4 * (i + 1));
                sb.append(s.getInt(header.getInt(48) + 4 * i)).append('/').append(s.getLong(header.getInt(52) + 8 * i))
                        .append('=').append(new String(bytes(s, keyBytes + from, to - from), StandardCharsets.UTF_8))
                        .append(',');
            }
            ByteBuffer labels = ByteBuffer.allocate(4 * rows).order(ByteOrder.nativeOrder());
            for (int i = 0; i < rows; i++) {
                labels.putInt(4 * i, (int) s.getLong(header.getInt(44) + 8 * i));
            }
            int pixels = rows * SIZE * SIZE * 4;
            return sb.append(" pixels ").append(sha256(bytes(s, header.getInt(40), pixels))).append(" labels ")
                    .append(sha256(labels.array())).toString();
        }
    }

    private static byte[] bytes(ByteBuffer from, int at, int n) {
        byte[] out = new byte[n];
        from.get(at, out);
        return out;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
