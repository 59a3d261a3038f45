package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.Cli;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.NpyFile;
import io.spritestream.producer.source.Sprite;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

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

    record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Cli.commandLine(new LoaderMain());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryCommandAndEachCommandHasHelp() {
        Result top = run("--help");
        assertEquals(0, top.exit());
        for (String command : List.of("demo", "load", "broker", "produce", "datasets")) {
            assertTrue(top.out().contains(command), command);
            Result help = run(command, "--help");
            assertEquals(0, help.exit(), command);
            assertTrue(help.out().contains("Usage:"), command);
        }
    }

    @Test
    void loadWritesAReportAndAnExportThatParseBack(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("report.json");
        Path export = dir.resolve("npy");

        Result r = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--batch", "64", "--size", "16",
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
    void badArgumentsGiveExitCode2AndAOneLineReason() {
        Result noTarget = run("load", "--bootstrap", bootstrap);
        assertEquals(2, noTarget.exit());
        assertTrue(noTarget.err().lines().findFirst().orElse("").contains("--dataset"), noTarget.err());

        Result badSize = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "0x3");
        assertEquals(2, badSize.exit());
        assertTrue(badSize.err().startsWith("error: --size: '0x3'"), badSize.err());

        Result badFit = run("load", "--dataset", "cli-test", "--fit", "zoom");
        assertEquals(2, badFit.exit());
        assertTrue(badFit.err().contains("--fit"), badFit.err());

        Result badBatch = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--batch", "0");
        assertEquals(2, badBatch.exit());
        assertTrue(badBatch.err().startsWith("error: --batch: 0 (expected 1..65536)"), badBatch.err());

        Result badDataset = run("load", "--bootstrap", bootstrap, "--dataset", "x@y");
        assertEquals(2, badDataset.exit());
        assertTrue(badDataset.err().startsWith("error: --dataset: 'x@y'"), badDataset.err());
    }

    @Test
    void theSeedIsPrintedAndAResumedRunDeliversTheRest(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        Result first = run("load", "--bootstrap", bootstrap, "--dataset", "cli-test", "--size", "16", "--batch", "32",
                "--max-batches", "2", "--save-state", state.toString(), "--quiet");
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().matches("(?s)order: shuffled with seed \\d+ \\(the same order again: --seed \\d+\\).*"), first.out());
        assertTrue(first.out().contains("delivered 64 samples in 2 batches"), first.out());

        Result rest = run("load", "--bootstrap", bootstrap, "--resume", state.toString(), "--size", "16", "--quiet");
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
                {"--dataset", "cli-test", "--remainder", "keep"},
                {"--resume", "no-such-state.json"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length + 3];
            args[0] = "load";
            args[1] = "--bootstrap";
            args[2] = bootstrap;
            System.arraycopy(c, 0, args, 3, c.length);
            Result r = run(args);
            assertEquals(2, r.exit(), String.join(" ", c) + " -> " + r.err());
            assertTrue(r.err().startsWith("error: ") || r.err().contains("Invalid value"), String.join(" ", c) + " -> " + r.err());
        }
    }

    @Test
    void anUnknownDatasetIsAOneLineErrorListingTheKnownOnes() {
        Result r = run("load", "--bootstrap", bootstrap, "--dataset", "missing", "--quiet");
        assertEquals(1, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: unknown dataset 'missing'; known: "), r.err());
        assertTrue(r.err().contains("cli-test@1"), r.err());
    }

    @Test
    void anUnreachableBrokerIsAOneLineErrorWithinTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        long began = System.nanoTime();
        Result r = run("load", "--bootstrap", "127.0.0.1:" + closedPort, "--broker-timeout", "2", "--dataset", "x");
        double seconds = (System.nanoTime() - began) / 1e9;

        assertEquals(1, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: cannot reach Kafka at 127.0.0.1:" + closedPort), r.err());
        assertFalse(r.err().contains("Exception"), "no stack trace: " + r.err());
        assertTrue(seconds < 30, "bounded: " + seconds + " s");
    }

    @Test
    void demoRunsTheWholePathAndExitsZero() {
        Result r = run("demo", "--sprites", "600", "--classes", "4", "--train-steps", "3", "--metrics-port", "0");

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("(?s)metrics: http://127\\.0\\.0\\.1:\\d+/metrics\n1/4 .*"), "prints the URL first: " + r.out());
        assertTrue(r.out().contains("delivered 1200 samples"), r.out());
        assertTrue(r.out().contains("3 training steps"), r.out());
        assertTrue(r.out().contains("Next:"), r.out());
    }
}
