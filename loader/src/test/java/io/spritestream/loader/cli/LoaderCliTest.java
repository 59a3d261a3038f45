package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.CliRun;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.LoaderProcess;
import io.spritestream.loader.testing.NpyFile;
import io.spritestream.producer.source.Sprite;
import java.awt.image.BufferedImage;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The loader's command line, run in-process as a user would run it. */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoaderCliTest {

    private String bootstrap;

    @BeforeAll
    void produce(EmbeddedKafka broker) {
        Runtimes.configure();
        bootstrap = broker.bootstrapServers();
        Datasets.synthetic(KafkaSettings.of(bootstrap), "cli-test", 200, 4, 16, 2);
    }

    private static CliRun run(String... args) {
        return CliRun.run(new LoaderMain(), args);
    }

    @Test
    void helpListsEveryCommandAndEachCommandHasHelp() {
        CliRun top = run("--help");
        assertEquals(0, top.exit());
        for (String command : List.of("demo", "load", "feed", "train", "evaluate", "preview", "bench", "cache", "broker", "produce",
                "datasets")) {
            assertTrue(top.out().contains(command), command);
            CliRun help = run(command, "--help");
            assertEquals(0, help.exit(), command);
            assertTrue(help.out().contains("Usage:"), command);
        }
    }

    @Test
    void aSecondLoadIsServedFromTheCacheWhichListsWhatItHoldsAndClears(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        Path first = dir.resolve("first.json");
        Path second = dir.resolve("second.json");
        String[] load = {"load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--seed", "3",
                "--epochs", "2", "--quiet", "--cache", cache.toString(), "--report-json", null};
        load[load.length - 1] = first.toString();
        assertEquals(0, run(load).exit());
        load[load.length - 1] = second.toString();
        CliRun again = run(load);

        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("decoded cache: 400 hits, 0 decoded"), again.out());
        JsonNode report = new ObjectMapper().readTree(second.toFile());
        assertEquals(400, report.get("cache_hits").asLong());
        assertEquals(0, report.get("cache_misses").asLong());
        assertEquals(0, report.get("cache_corrupt").asLong());
        assertTrue(new ObjectMapper().readTree(first.toFile()).get("cache_misses").asLong() >= 200);

        CliRun listed = run("cache", "list", "--cache", cache.toString());
        assertEquals(0, listed.exit(), listed.err());
        assertTrue(listed.out().contains("1 key(s)"), listed.out());
        assertTrue(listed.out().contains("sprites.cli-test") && listed.out().contains("16x16x4-pad")
                && listed.out().contains("datasets cli-test"), listed.out());

        CliRun other = run("cache", "clear", "--cache", cache.toString(), "--dataset", "not-this-one");
        assertTrue(other.out().startsWith("cleared 0 cache key(s)"), other.out());
        CliRun cleared = run("cache", "clear", "--cache", cache.toString(), "--dataset", "cli-test");
        assertEquals(0, cleared.exit(), cleared.err());
        assertTrue(cleared.out().startsWith("cleared 1 cache key(s)"), cleared.out());
        assertTrue(run("cache", "list", "--cache", cache.toString()).out().contains("0 key(s)"));

        // A folder the cache never wrote (a project, a credentials folder) is refused in one line, untouched.
        Path project = cache.resolveSibling("a-project");
        Files.createDirectories(project.resolve("gcp"));
        Files.writeString(project.resolve("gcp/key.json"), "{}");
        CliRun refused = run("cache", "clear", "--cache", project.toString());
        assertEquals(1, refused.exit(), refused.toString());
        assertEquals(1, refused.errLines().size(), refused.err());
        assertTrue(refused.err().contains("is not a decoded-sample cache") && refused.err().contains("nothing deleted"),
                refused.err());
        assertTrue(Files.exists(project.resolve("gcp/key.json")));

        CliRun both = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--cache", cache.toString(),
                "--no-cache");
        assertEquals(2, both.exit());
        assertTrue(both.err().startsWith("error: --no-cache: given with --cache"), both.err());
    }

    @Test
    void theCacheTheExportTheStateAndThePreviewAreTheirOwnersAlone(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("cache");
        Path export = dir.resolve("out/npy");
        Path state = dir.resolve("state/s.json");
        Path sheet = dir.resolve("pictures/sheet.png");
        CliRun r = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--max-batches", "2",
                "--quiet", "--cache", cache.toString(), "--export-npy", export.toString(), "--save-state",
                state.toString());
        assertEquals(0, r.exit(), r.err());
        CliRun p = run("preview", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--no-cache", "--output",
                sheet.toString());
        assertEquals(0, p.exit(), p.err());

        List<Path> written;
        try (java.util.stream.Stream<Path> all = Files.walk(dir)) {
            written = all.filter(f -> !f.equals(dir)).toList();
        }
        assertTrue(written.contains(state) && written.contains(export.resolve("images.npy"))
                && written.contains(export.resolve("keys.txt")) && written.contains(sheet)
                && written.stream().anyMatch(f -> f.toString().endsWith(".shard"))
                && written.stream().anyMatch(f -> f.endsWith("key.json")), written.toString());
        for (Path f : written) {
            String expected = Files.isDirectory(f) ? "rwx------" : "rw-------";
            assertEquals(expected, java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(f)), dir.relativize(f) + ", whatever the umask");
        }
    }

    @Test
    void loadWritesAReportAndAnExportThatParseBack(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        Path export = dir.resolve("npy");

        CliRun r = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--batch", "64", "--size", "16",
                "--epochs", "2", "--quiet", "--report-json", report.toString(), "--export-npy", export.toString());

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("delivered 400 samples in 8 batches over 2 epoch(s)"), r.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        for (String field : List.of("samples", "batches", "epochs", "seconds", "samples_per_s", "dead_lettered",
                "dead_letter_reasons", "records_read")) {
            assertTrue(json.has(field), field);
        }
        assertEquals(400, json.get("samples").asLong());
        assertEquals(8, json.get("batches").asLong());
        assertEquals(2, json.get("epochs").asLong());
        assertEquals(0, json.get("dead_lettered").asLong());
        assertEquals(400, json.get("records_read").asLong());

        NpyFile images = NpyFile.read(export.resolve("images.npy"));
        NpyFile labels = NpyFile.read(export.resolve("labels.npy"));
        List<String> keys = Files.readAllLines(export.resolve("keys.txt"));
        List<String> classes = Files.readAllLines(export.resolve("classes.txt"));
        assertArrayEquals(new int[] {400, 16, 16, 4}, images.shape());
        assertEquals("|u1", images.descr());
        assertArrayEquals(new int[] {400}, labels.shape());
        assertEquals(400, keys.size());
        assertEquals(400, Files.readAllLines(export.resolve("offsets.txt")).size());
        Map<String, Sprite> sprites = Datasets.syntheticByKey(200, 4, 16);
        int[] ids = labels.int32();
        for (int i = 0; i < keys.size(); i++) {
            assertEquals(sprites.get(keys.get(i)).label(), classes.get(ids[i]), "row " + i);
        }
        // The same sample in both epochs has the same pixels.
        int rowBytes = 16 * 16 * 4;
        int second = keys.subList(200, 400).indexOf(keys.get(0)) + 200;
        assertArrayEquals(java.util.Arrays.copyOfRange(images.data(), 0, rowBytes),
                java.util.Arrays.copyOfRange(images.data(), second * rowBytes, (second + 1) * rowBytes));
    }

    @Test
    void benchRunsEveryStageOnTheSameRecordsAndWritesAWellFormedReport(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("bench.json");

        CliRun r = run("bench", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--threads", "2",
                "--batch", "32", "--repeat", "1", "--epochs", "2", "--naive-samples", "40", "--simulate-step-ms", "1",
                "--warmup", "0", "--report-json", report.toString());

        assertEquals(0, r.exit(), r.err());
        for (String stage : List.of("decode ceiling", "kafka read", "loader", "naive java", "loader + step", "loader / ceiling",
                "loader filling", "loader cached", "cached / ceiling", "decode + augment",
                "augmentation flip-h:0.5,translate:2: ")) {
            assertTrue(r.out().contains(stage), stage + " in\n" + r.out());
        }
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(200, json.get("records").asLong());
        assertEquals(2, json.get("threads").asInt());
        assertEquals("16x16", json.get("size").asText());
        Map<String, JsonNode> stages = new java.util.LinkedHashMap<>();
        json.get("stages").forEach(s -> stages.put(s.get("name").asText(), s));
        assertEquals(List.of("decode ceiling", "kafka read", "loader", "naive java", "loader + step", "loader filling",
                "loader cached", "decode + augment"), List.copyOf(stages.keySet()));
        // Every stage sees the same 200 records, once per epoch; the loader is timed from its first
        // batch (32 samples), the naive baseline decodes its own share.
        assertEquals(400, stages.get("decode ceiling").get("samples").asLong());
        assertEquals(400, stages.get("kafka read").get("samples").asLong());
        assertEquals(400 - 32, stages.get("loader").get("samples").asLong());
        assertEquals(400 - 32, stages.get("loader + step").get("samples").asLong());
        assertEquals(40, stages.get("naive java").get("samples").asLong());
        // Filling: one epoch over a new cache per epoch of the others; cached: every epoch from a warm cache.
        assertEquals(2 * (200 - 32), stages.get("loader filling").get("samples").asLong());
        assertEquals(400 - 32, stages.get("loader cached").get("samples").asLong());
        // The default augmentation, timed apart from the decode it follows.
        assertEquals(400, stages.get("decode + augment").get("samples").asLong());
        assertEquals("flip-h:0.5,translate:2", json.get("augment").asText());
        double augmentUs = stages.get("decode + augment").get("augment_us_per_sample").asDouble();
        assertTrue(augmentUs > 0, "augment " + augmentUs + " us");
        assertEquals(augmentUs / stages.get("decode + augment").get("decode_us_per_sample").asDouble(),
                json.get("augment_over_decode").asDouble(), 1e-9);
        assertFalse(r.err().contains("came from the cache"), "every cached sample from the cache:\n" + r.err());
        assertEquals(stages.get("loader cached").get("samples_per_s").asDouble()
                / stages.get("decode ceiling").get("samples_per_s").asDouble(), json.get("cached_over_ceiling").asDouble(), 1e-9);
        for (JsonNode s : stages.values()) {
            assertTrue(s.get("samples_per_s").asDouble() > 0, s.toString());
            assertTrue(s.get("heap_bytes_per_sample").asDouble() >= 0, s.toString());
            assertTrue(s.get("cpu_cores").get("total").asDouble() > 0, s.toString());
            double jit = s.get("cpu_cores").get("JIT").asDouble(-1);
            assertTrue(jit >= 0 && jit <= s.get("cpu_cores").get("total").asDouble(), s.toString());
        }
        double wait = stages.get("loader + step").get("trainer_wait_ratio").asDouble();
        assertTrue(wait >= 0 && wait <= 1, "trainer wait " + wait);
        assertEquals(stages.get("loader").get("samples_per_s").asDouble() / stages.get("decode ceiling").get("samples_per_s").asDouble(),
                json.get("loader_over_ceiling").asDouble(), 1e-9);
        assertEquals(stages.get("loader").get("samples_per_s").asDouble() / stages.get("naive java").get("samples_per_s").asDouble(),
                json.get("loader_over_naive").asDouble(), 1e-9);
        assertTrue(json.get("peak_direct_bytes").asLong() > 0);
        assertTrue(json.get("loader_over_ceiling_per_cpu").asDouble() > 0, json.toString());

        CliRun bad = run("bench", "--bootstrap", bootstrap, "--dataset", "cli-test", "--repeat", "0");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().startsWith("error: --repeat: 0 (expected >= 1)"), bad.err());
        for (String[] option : List.of(new String[] {"--warmup", "NaN"}, new String[] {"--simulate-step-ms", "Infinity"})) {
            CliRun notANumber = run("bench", "--bootstrap", bootstrap, "--dataset", "cli-test", option[0], option[1]);
            assertEquals(2, notANumber.exit(), String.join(" ", option));
            assertTrue(notANumber.err().startsWith("error: " + option[0] + ": " + option[1]
                    + " (expected a finite number >= 0)"), notANumber.err());
        }
    }

    @Test
    void aFeedWhoseRingFolderIsMissingFailsWithAOneLineReasonBeforeItReadsAnything(@TempDir Path dir) {
        CliRun missing = run("feed", "--bootstrap", bootstrap, "--dataset", "cli-test", "--seed", "1", "--ring-dir",
                dir.resolve("nowhere").toString());

        assertEquals(1, missing.exit());
        assertEquals("error: --ring-dir: " + dir.resolve("nowhere") + " is not a folder",
                missing.err().lines().filter(l -> l.startsWith("error:")).findFirst().orElse(missing.err()));
        assertEquals("", missing.out(), "standard output carries nothing but the protocol");
    }

    @Test
    void aFeedStartEpochPastItsEpochsIsTheOnlyLineBeforeTheUsage() {
        CliRun late = run("feed", "--bootstrap", bootstrap, "--dataset", "cli-test", "--seed", "1", "--epochs", "3",
                "--start-epoch", "3");

        assertEquals(2, late.exit());
        assertEquals("error: --start-epoch: 3 (expected 0..2 for --epochs 3)", late.err().lines().findFirst().orElse(""));
        assertEquals("", late.out(), "standard output carries nothing but the protocol");
    }

    @Test
    void badArgumentsGiveExitCode2AndAOneLineReason() {
        CliRun noTarget = run("load", "--bootstrap", bootstrap);
        assertEquals(2, noTarget.exit());
        assertTrue(noTarget.err().lines().findFirst().orElse("").contains("--dataset"), noTarget.err());

        CliRun badSize = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "0x3");
        assertEquals(2, badSize.exit());
        assertTrue(badSize.err().startsWith("error: --size: '0x3'"), badSize.err());

        CliRun badFit = run("load", "--dataset", "cli-test", "--fit", "zoom");
        assertEquals(2, badFit.exit());
        assertTrue(badFit.err().contains("--fit"), badFit.err());

        CliRun badBatch = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--batch", "0");
        assertEquals(2, badBatch.exit());
        assertTrue(badBatch.err().startsWith("error: --batch: 0 (expected 1..65536)"), badBatch.err());

        CliRun badDataset = run("load", "--bootstrap", bootstrap, "--dataset", "x@y");
        assertEquals(2, badDataset.exit());
        assertTrue(badDataset.err().startsWith("error: --dataset: 'x@y'"), badDataset.err());
    }

    @Test
    void theSeedIsPrintedAndAResumedRunDeliversTheRest(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        CliRun first = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "32",
                "--max-batches", "2", "--save-state", state.toString(), "--quiet");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().matches("(?s)order: shuffled with seed \\d+ \\(the same order again: --seed \\d+\\).*"), first.out());
        assertTrue(first.out().contains("delivered 64 samples in 2 batches"), first.out());

        CliRun rest = run("load", "--bootstrap", bootstrap, "--resume", state.toString(), "--size", "16", "--quiet");
        assertEquals(0, rest.exit(), rest.err());
        assertTrue(rest.out().startsWith("resuming cli-test@1 at epoch 0, position 64 (rank 0 of 1, seed "), rest.out());
        assertTrue(rest.out().contains("delivered 136 samples"), rest.out());
    }

    @Test
    void contradictoryReplayOptionsExitWith2() {
        String[][] cases = {
                {"--dataset", "cli-test", "--resume", "x.json"},
                {"--dataset", "cli-test", "--since", "2026-01-01"},
                {"--topic", "sprites.cli-test", "--since", "yesterday"},
                {"--topic", "sprites.cli-test", "--from-offsets", "0-5"},
                {"--dataset", "cli-test", "--rank", "3", "--world-size", "2"},
                {"--dataset", "cli-test", "--follow", "--save-state", "s.json"},
                {"--topic", "sprites.cli-test", "--follow", "--follow-max-hold", "0"},
                {"--topic", "sprites.cli-test", "--follow", "--group-protocol", "consumer", "--group-session-timeout", "5"},
                {"--dataset", "cli-test", "--remainder", "keep"},
                {"--resume", "no-such-state.json"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 3];
            args[0] = "load";
            args[1] = "--bootstrap";
            args[2] = bootstrap;
            System.arraycopy(c, 0, args, 3, c.length);
            CliRun r = run(args);
            assertEquals(2, r.exit(), String.join(" ", c) + " -> " + r.err());
            assertTrue(r.err().startsWith("error: ") || r.err().contains("Invalid value"), String.join(" ", c) + " -> " + r.err());
        }
    }

    @Test
    void anUnknownDatasetIsAOneLineErrorListingTheKnownOnes() {
        CliRun r = run("load", "--bootstrap", bootstrap, "--dataset", "missing", "--quiet");
        assertEquals(1, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: unknown dataset 'missing'; known: "), r.err());
        assertTrue(r.err().contains("cli-test@1"), r.err());
    }

    @Test
    void anUnknownDatasetPrintsNothingBeforeItsError() {
        CliRun r = run("load", "--bootstrap", bootstrap, "--dataset", "missing");

        assertEquals(1, r.exit(), r.toString());
        assertEquals("", r.out(), "no seed line: loading never began");
        assertTrue(r.err().startsWith("error: unknown dataset 'missing'"), r.toString());
    }

    @Test
    void aMistypedCommandSuggestsTheNearestCommand() {
        assertEquals("error: unmatched argument at index 0: 'laod' (did you mean load?)", run("laod").errLines().get(0));
        assertEquals("error: unmatched argument at index 0: 'trian' (did you mean train?)",
                run("trian").errLines().get(0));
        assertEquals("error: unmatched argument at index 0: 'xyzzy'", run("xyzzy").errLines().get(0),
                "nothing near: no suggestion");
        assertEquals("error: unmatched argument at index 0: 'prodcue' (did you mean produce?)",
                CliRun.run(new io.spritestream.producer.cli.ProducerMain(), "prodcue").errLines().get(0));
    }

    @Test
    void aRunStoppedPartWayThroughAnEpochSaysSo(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        // 200 records in batches of 32: 7 batches an epoch.
        CliRun two = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "32",
                "--max-batches", "2", "--quiet", "--report-json", report.toString());
        CliRun eight = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "32",
                "--epochs", "3", "--max-batches", "8", "--quiet");
        CliRun whole = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "32",
                "--quiet");

        assertTrue(two.out().contains("delivered 64 samples in 2 batches over part of an epoch in "), two.toString());
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(report.toFile());
        assertEquals(0, json.get("epochs").asInt());
        assertTrue(json.get("partial_epoch").asBoolean(), json.toString());
        assertTrue(eight.out().contains("in 8 batches over 1 epoch(s) and part of another in "), eight.toString());
        assertTrue(whole.out().contains("in 7 batches over 1 epoch(s) in "), whole.toString());
    }

    @Test
    void anUnreachableBrokerIsAOneLineErrorWithinTheConnectTimeoutOnEveryCommand(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        String dead = "127.0.0.1:" + closedPort;
        // The defaults: a dead port answers within the 10 s connect timeout, not the 30 s broker timeout.
        long began = System.nanoTime();
        CliRun r = run("load", "--bootstrap", dead, "--dataset", "x");
        double seconds = (System.nanoTime() - began) / 1e9;
        assertEquals(1, r.exit());
        assertEquals(2, r.errLines().size(), "it says it waits, then gives up with one line: " + r);
        assertTrue(r.errLines().get(0).matches("waiting for Kafka at " + java.util.regex.Pattern.quote(dead)
                + ": connecting \\(no answer for \\d+ s; giving up after 10 s\\)"), r.toString());
        assertEquals("error: cannot reach Kafka at " + dead + " within 10 s (is a broker running? start one with the "
                + "'broker' command)", r.errLines().get(1));
        assertTrue(seconds < 20, "bounded by the connect timeout: " + seconds + " s");

        Path model = dir.resolve("model");
        Files.createDirectories(model);
        Files.writeString(model.resolve("synset.txt"), "a\n");
        Files.writeString(model.resolve("spritestream-input.json"),
                "{\"width\":8,\"height\":8,\"channels\":4,\"fit\":\"pad\"}");
        List<List<String>> commands = List.of(List.of("load", "--dataset", "x"), List.of("train", "--dataset", "x"),
                List.of("preview", "--dataset", "x"), List.of("feed", "--dataset", "x"), List.of("datasets"),
                List.of("produce", "--dataset", "x", "--synthetic", "10", "--quiet"),
                List.of("evaluate", "--model", model.toString(), "--dataset", "x"));
        for (List<String> command : commands) {
            for (String bootstrap : List.of(dead, "no-such-host.invalid:9092")) {
                List<String> args = new java.util.ArrayList<>(command);
                args.addAll(List.of("--bootstrap", bootstrap, "--connect-timeout", "2"));
                CliRun c = run(args.toArray(new String[0]));
                String expected = bootstrap.equals(dead) ? "error: cannot reach Kafka at " + dead + " within 2 s"
                        : "error: cannot reach Kafka at no-such-host.invalid:9092: unknown host no-such-host.invalid "
                        + "(check --bootstrap)";
                assertEquals(1, c.exit(), command + " " + bootstrap + ": " + c.err());
                String last = c.err().strip().lines().reduce((a, b) -> b).orElse("");
                assertTrue(last.startsWith(expected), command + " " + bootstrap + ": " + c.err());
                assertFalse(c.err().contains("Exception"), "no stack trace: " + c.err());
            }
        }
    }

    @Test
    void anExportIntoAFolderHoldingOtherFilesIsRefusedBeforeLoadingAndTouchesNothing(@TempDir Path dir)
            throws Exception {
        Path notes = dir.resolve("notes.txt");
        Files.writeString(notes, "mine");

        CliRun r = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--quiet",
                "--export-npy", dir.toString());

        assertEquals(2, r.exit(), r.toString());
        assertEquals("error: --export-npy: " + dir.toAbsolutePath().normalize() + " holds files that are not an export "
                + "(notes.txt): give an empty or new folder", r.errLines().get(0));
        assertEquals(List.of(notes), Files.list(dir).toList());
        assertEquals("mine", Files.readString(notes));
    }

    @Test
    void aResumedRunRefusesAnExportThatDoesNotEndWhereItResumes(@TempDir Path dir) throws Exception {
        Path other = dir.resolve("other");
        Path state = dir.resolve("state.json");
        String[] base = {"load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "32",
                "--quiet"};
        assertEquals(0, run(LoaderProcess.concat(base, "--max-batches", "2", "--export-npy", other.toString())).exit());
        assertEquals(0, run(LoaderProcess.concat(base, "--max-batches", "3", "--save-state", state.toString())).exit());
        byte[] before = Files.readAllBytes(other.resolve("images.npy"));

        CliRun r = run("load", "--bootstrap", bootstrap, "--resume", state.toString(), "--size", "16", "--quiet",
                "--export-npy", other.toString());

        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.errLines().get(0).startsWith("error: --export-npy: " + other + " holds an export of 64 samples, "
                + "but the run resumes after 96"), r.toString());
        assertArrayEquals(before, Files.readAllBytes(other.resolve("images.npy")), "the export there is untouched");
    }

    @Test
    void aBrokerThatTakesConnectionsButNeverAnswersIsSaidToBeWaitedForThenGivenUp() throws Exception {
        // The operating system completes the connections; nobody ever reads or answers them.
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            String address = "127.0.0.1:" + silent.getLocalPort();

            CliRun r = run("load", "--bootstrap", address, "--dataset", "cli-test", "--connect-timeout", "5", "--quiet");

            assertEquals(1, r.exit(), r.toString());
            assertTrue(r.errLines().get(0).matches("waiting for Kafka at " + java.util.regex.Pattern.quote(address)
                    + ": connecting \\(no answer for \\d+ s; giving up after 5 s\\)"), r.toString());
            assertTrue(r.errLines().get(r.errLines().size() - 1).startsWith("error: cannot reach Kafka at " + address
                    + " within 5 s"), r.toString());
        }
    }

    @Test
    void demoRunsTheWholePathAndExitsZero(@TempDir Path dir) throws Exception {
        Path preview = dir.resolve("demo-preview.png");
        CliRun r = run("demo", "--sprites", "600", "--classes", "4", "--train-steps", "3", "--preview", preview.toString(),
                "--metrics-port", "0");

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("(?s)metrics: http://127\\.0\\.0\\.1:\\d+/metrics\n1/4 .*"), "prints the URL first: " + r.out());
        assertTrue(r.out().contains("delivered 1200 samples"), r.out());
        assertTrue(r.out().contains("preview of the first batch: " + preview.toAbsolutePath()), r.out());
        assertEquals(8 * 64 + 9 * 2, ImageIO.read(preview.toFile()).getWidth(), "8 cells of 32x32 at scale 2");
        assertTrue(r.out().contains("3 training steps"), r.out());
        assertTrue(r.out().contains("Next:"), r.out());
    }

    @Test
    void trainWritesAReportWithEveryEpochAndSavesTheModel(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("train.json");
        Path model = dir.resolve("model");

        CliRun r = run("train", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "32",
                "--epochs", "2", "--validation-fraction", "0.25", "--quiet", "--report-json", report.toString(),
                "--save-model", model.toString());

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("epoch 1/2  train loss"), r.out());
        assertTrue(r.out().contains("epoch 2/2  train loss"), r.out());
        assertTrue(r.out().contains("trainer wait"), r.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        for (String field : List.of("epochs", "train_accuracy", "validation_accuracy", "samples_per_s",
                "trainer_wait_ratio", "history")) {
            assertTrue(json.has(field), field);
        }
        assertEquals(2, json.get("epochs").asInt());
        assertEquals(2, json.get("history").size());
        for (String ratio : List.of("train_accuracy", "validation_accuracy", "trainer_wait_ratio")) {
            double value = json.get(ratio).asDouble();
            assertTrue(value >= 0 && value <= 1, ratio + " " + value);
        }
        assertTrue(json.get("samples_per_s").asDouble() > 0);
        JsonNode epoch = json.get("history").get(1);
        assertEquals(200, epoch.get("train_samples").asLong() + epoch.get("validation_samples").asLong(),
                "every sample on one side of the split");
        assertTrue(Files.exists(model.resolve("spritenet-0002.params")), "saved parameters");
        assertEquals(4, Files.readAllLines(model.resolve("synset.txt")).size());
    }

    @Test
    void anEmptyValidationSideIsSaidPlainlyAndReportedAsNullNotNaN(@TempDir Path dir) throws Exception {
        // Of these 8 keys none hashes below 0.1 (the lowest is at 0.116): the default split holds none out.
        Datasets.synthetic(KafkaSettings.of(bootstrap), "tiny-split", 8, 2, 16, 1);
        Path report = dir.resolve("train.json");

        CliRun r = run("train", "--bootstrap", bootstrap, "--dataset", "tiny-split", "--size", "16", "--batch", "4",
                "--epochs", "2", "--quiet", "--report-json", report.toString());

        assertEquals(0, r.exit(), r.toString());
        assertFalse(r.out().contains("NaN"), r.out());
        assertTrue(r.out().contains("epoch 1/2  train loss") && r.out().contains("validation: no samples  "), r.out());
        String why = "the validation side of the split is empty: --validation-fraction 0.1 of 8 records held out none";
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("validation:")).count(), "said once: " + r.out());
        assertTrue(r.out().contains("\nvalidation: no samples (" + why + ")\n"), r.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertTrue(json.get("validation_accuracy").isNull() && json.get("validation_loss").isNull(), json.toString());
        assertEquals(why, json.get("no_validation").asText());
        for (JsonNode epoch : json.get("history")) {
            assertTrue(epoch.get("validation_accuracy").isNull() && epoch.get("validation_loss").isNull(), epoch.toString());
            assertEquals(0, epoch.get("validation_samples").asLong());
            assertEquals(8, epoch.get("train_samples").asLong());
        }
    }

    @Test
    void trainRefusesBadOptionsWithExitCode2() {
        CliRun fraction = run("train", "--bootstrap", bootstrap, "--dataset", "cli-test", "--validation-fraction", "1.5");
        assertEquals(2, fraction.exit());
        assertTrue(fraction.err().startsWith("error: --validation-fraction: 1.5 (expected 0..1)"), fraction.err());

        CliRun meanAlone = run("train", "--bootstrap", bootstrap, "--dataset", "cli-test", "--mean", "0.5,0.5,0.5,0.5");
        assertEquals(2, meanAlone.exit());
        assertTrue(meanAlone.err().startsWith("error: --mean: given alone"), meanAlone.err());

        CliRun channels = run("train", "--bootstrap", bootstrap, "--dataset", "cli-test", "--mean", "0.5,0.5",
                "--std", "0.2,0.2");
        assertEquals(2, channels.exit());
        assertTrue(channels.err().startsWith("error: --mean/--std: 2 values for 4 channels"), channels.err());

        CliRun device = run("train", "--bootstrap", bootstrap, "--dataset", "cli-test", "--device", "tpu");
        assertEquals(2, device.exit());
        assertTrue(device.err().contains("--device"), device.err());
    }

    @Test
    void trainOnAGpuWithoutOneIsAOneLineErrorSayingWhy() {
        Assumptions.assumeTrue(Engine.getEngine("PyTorch").getGpuCount() == 0, "a GPU is visible here");

        CliRun r = run("train", "--bootstrap", bootstrap, "--dataset", "cli-test", "--device", "gpu");

        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("error: --device gpu: the PyTorch engine sees no GPU"), r.err());
        assertTrue(r.err().lines().findFirst().orElse("").contains("README"), r.err());
    }

    @Test
    void previewWritesAPngOfTheBatchAsDeliveredPixelForPixel(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("sheet.png");

        CliRun r = run("preview", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "12",
                "--columns", "4", "--scale", "3", "--labels", "--seed", "9", "--output", png.toString());

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("order: shuffled with seed 9 (the same batch again: --seed 9)\npreview: "
                + png.toAbsolutePath()), r.out());
        BufferedImage sheet = ImageIO.read(png.toFile());
        int cell = 16 * 3;
        int label = 14;
        assertEquals(2 + 4 * (cell + 2), sheet.getWidth(), "4 columns of 48 px and 2 px gaps");
        assertEquals(2 + 3 * (cell + label + 2), sheet.getHeight(), "3 rows, each with a label strip");

        // The same batch, straight from the loader shuffled as load --seed 9 shuffles: every pixel is a
        // 3x3 block of the sheet, RGBA kept.
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse("cli-test")).batchSize(12)
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD)).maxBatches(1)
                .order(io.spritestream.loader.replay.OrderSpec.shuffled(9));
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             SpriteLoader loader = SpriteLoader.open(config, KafkaSettings.of(bootstrap), manager);
             SpriteBatch batch = loader.next()) {
            byte[] pixels = batch.images().toByteArray();
            for (int i = 0; i < 12; i++) {
                int x0 = 2 + (i % 4) * (cell + 2);
                int y0 = 2 + (i / 4) * (cell + label + 2);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        int at = ((i * 16 + y) * 16 + x) * 4;
                        int expected = (pixels[at + 3] & 0xFF) << 24 | (pixels[at] & 0xFF) << 16
                                | (pixels[at + 1] & 0xFF) << 8 | (pixels[at + 2] & 0xFF);
                        for (int d = 0; d < 9; d++) {
                            assertEquals(Integer.toHexString(expected),
                                    Integer.toHexString(sheet.getRGB(x0 + 3 * x + d % 3, y0 + 3 * y + d / 3)),
                                    batch.key(i) + " at (" + x + "," + y + ")");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aBadAugmentationSpecExitsWith2AndOneLineNamingTheTransform() {
        CliRun zoom = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--augment", "flip-h,zoom:2");
        assertEquals(2, zoom.exit());
        assertTrue(zoom.err().startsWith("error: --augment: 'zoom' is no transform (expected none, default, or some of "),
                zoom.err());

        CliRun value = run("train", "--bootstrap", bootstrap, "--dataset", "cli-test", "--augment", "hue:500");
        assertEquals(2, value.exit());
        assertTrue(value.err().startsWith("error: --augment: 'hue:500' (expected hue:D[@P] with D in 1..180"), value.err());

        CliRun gray = run("preview", "--bootstrap", bootstrap, "--dataset", "cli-test", "--channels", "1", "--augment",
                "swap:1");
        assertEquals(2, gray.exit());
        assertTrue(gray.err().startsWith("error: --augment: swap needs colour (got --channels 1)"), gray.err());
    }

    @Test
    void previewsAugmentationGridShowsEachSampleAsDecodedThenUnderItsDraws(@TempDir Path dir) throws Exception {
        Path png = dir.resolve("grid.png");

        CliRun r = run("preview", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "12",
                "--scale", "1", "--no-shuffle", "--augment", "flip-h:0.5,translate:2,hue:30", "--augment-grid", "5", "--output",
                png.toString());

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("8 samples of batch 0 of cli-test@1"), r.out());
        assertTrue(r.out().contains("each as decoded and under 5 draws of flip-h:0.5,translate:2,hue:30"), r.out());
        BufferedImage grid = ImageIO.read(png.toFile());
        assertEquals(2 + 6 * (16 + 2), grid.getWidth(), "the sample and 5 draws a row");
        assertEquals(2 + 8 * (16 + 2), grid.getHeight(), "the batch's first 8 samples");
        // The first column is the batch as decoded, pixel for pixel; the draws differ from it.
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse("cli-test")).batchSize(12)
                .pixels(new PixelSpec(16, 16, 4, Fit.PAD)).maxBatches(1);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             SpriteLoader loader = SpriteLoader.open(config, KafkaSettings.of(bootstrap), manager);
             SpriteBatch batch = loader.next()) {
            byte[] pixels = batch.images().toByteArray();
            int drawsThatDiffer = 0;
            for (int i = 0; i < 8; i++) {
                int y0 = 2 + i * 18;
                for (int col = 0; col < 6; col++) {
                    boolean same = true;
                    for (int y = 0; y < 16; y++) {
                        for (int x = 0; x < 16; x++) {
                            int at = ((i * 16 + y) * 16 + x) * 4;
                            int expected = (pixels[at + 3] & 0xFF) << 24 | (pixels[at] & 0xFF) << 16
                                    | (pixels[at + 1] & 0xFF) << 8 | (pixels[at + 2] & 0xFF);
                            same &= grid.getRGB(2 + col * 18 + x, y0 + y) == expected;
                        }
                    }
                    if (col == 0) {
                        assertTrue(same, "sample " + i + " as decoded");
                    } else {
                        drawsThatDiffer += same ? 0 : 1;
                    }
                }
            }
            assertTrue(drawsThatDiffer >= 35, drawsThatDiffer + " of 40 draws differ from the sample");
        }
    }

    @Test
    void aResumedLoadKeepsItsStateFileUpToDateUnlessToldNotTo(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        ObjectMapper json = new ObjectMapper();
        assertEquals(0, run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--batch", "10", "--seed", "4",
                "--max-batches", "3", "--quiet", "--save-state", state.toString()).exit());
        assertEquals(3, json.readTree(state.toFile()).get("batches_delivered").asInt());

        CliRun second = run("load", "--bootstrap", bootstrap, "--resume", state.toString(), "--max-batches", "2", "--quiet");
        assertEquals(0, second.exit(), second.err());
        assertTrue(second.out().contains("state: kept in " + state + " after every batch (the file resumed from;"),
                second.out());
        assertEquals(5, json.readTree(state.toFile()).get("batches_delivered").asInt(), "a second interruption loses nothing");

        assertEquals(0, run("load", "--bootstrap", bootstrap, "--resume", state.toString(), "--max-batches", "2",
                "--quiet", "--no-save-state").exit());
        assertEquals(5, json.readTree(state.toFile()).get("batches_delivered").asInt(), "left as it was");
        CliRun misuse = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--no-save-state");
        assertEquals(2, misuse.exit());
        assertTrue(misuse.err().startsWith("error: --no-save-state: only with --resume"), misuse.err());
    }
}
