package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.CliRun;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.LoaderProcess;
import io.spritestream.loader.testing.NpyFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGINT and SIGTERM sent to real {@code train} and {@code load} processes: each stops after the step
 * in progress and leaves everything it writes whole and consistent (a checkpoint, the report, the
 * export, the state), and a resumed training keeps improving.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SignalsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private String bootstrap;

    @BeforeAll
    void produce(EmbeddedKafka broker) {
        bootstrap = broker.bootstrapServers();
        Datasets.synthetic(KafkaSettings.of(bootstrap), "signals", 640, 64, 16, 2);
    }

    private static Process start(Path log, String... args) throws IOException {
        return LoaderProcess.start(log, args);
    }

    private static void await(BooleanSupplier condition, Process process, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!condition.getAsBoolean()) {
            assertTrue(process.isAlive(), "the process ended before " + what);
            assertTrue(System.nanoTime() < deadline, "no " + what + " within 120 s");
            Thread.sleep(50); // polling files another process writes: there is nothing to wait on
        }
    }

    private static void signal(Process process, String name) throws Exception {
        LoaderProcess.signal(process, name);
    }

    @Test
    void aTrainingStoppedBySigintLeavesACheckpointAndItsReportAndTheResumedRunKeepsImproving(@TempDir Path dir)
            throws Exception {
        Path checkpoints = dir.resolve("checkpoints");
        Path report = dir.resolve("train.json");
        Path log = dir.resolve("train.log");
        Process train = start(log, "train", "--bootstrap", bootstrap, "--dataset", "signals", "--size", "16",
                "--batch", "16", "--epochs", "1000", "--validation-fraction", "0.25", "--seed", "5", "--quiet",
                "--checkpoint-dir", checkpoints.toString(), "--report-json", report.toString());
        await(() -> Files.isDirectory(checkpoints.resolve("checkpoint-0002")), train, "checkpoint after epoch 2");

        signal(train, "INT");

        assertTrue(train.waitFor(60, TimeUnit.SECONDS), "the training did not exit within 60 s of SIGINT");
        String out = Files.readString(log);
        assertEquals(130, train.exitValue(), out);
        assertTrue(out.contains("(stopped in epoch "), out);
        assertTrue(out.contains("(continue with: train --resume " + checkpoints + ")"), out);
        JsonNode stopped = JSON.readTree(report.toFile());
        assertNotNull(stopped.get("stopped"), stopped.toString());
        int done = stopped.get("epochs").asInt();
        assertTrue(done >= 2, stopped.toString());
        Path last = Path.of(stopped.get("checkpoint").asText());
        assertTrue(Files.isRegularFile(last.resolve("checkpoint.json")), last.toString());
        double lossAtStop = stopped.get("history").get(done - 1).get("validation_loss").asDouble();

        Path resumedReport = dir.resolve("resumed.json");
        CliRun resumed = CliRun.run(new LoaderMain(), "train", "--bootstrap", bootstrap, "--resume", checkpoints.toString(),
                "--epochs", Integer.toString(done + 4), "--quiet", "--report-json", resumedReport.toString());

        assertEquals(0, resumed.exit(), resumed.err());
        assertTrue(resumed.out().contains("resuming " + last), resumed.out());
        JsonNode after = JSON.readTree(resumedReport.toFile());
        assertEquals(done + 4, after.get("epochs").asInt());
        assertEquals(done + 4, after.get("history").size(), "the history carries on");
        assertEquals(done + 4, after.get("history").get(done + 3).get("epoch").asInt());
        assertTrue(after.get("validation_loss").asDouble() < lossAtStop,
                "validation loss " + after.get("validation_loss") + " after the resume, " + lossAtStop + " at the stop");
    }

    @Test
    void aTrainingOnANonDefaultPortStoppedBySigintResumesByItsPrintedHintAndSavesTheFinalModelInItsModelFolder(
            @TempDir Path dir) throws Exception {
        Path model = dir.resolve("model");
        Path log = dir.resolve("train.log");
        Process train = start(log, "train", "--bootstrap", bootstrap, "--dataset", "signals", "--size", "16",
                "--batch", "16", "--epochs", "12", "--validation-fraction", "0.25", "--seed", "5", "--quiet",
                "--save-model", model.toString());
        await(() -> Files.isDirectory(model.resolve("checkpoints").resolve("checkpoint-0001")), train,
                "checkpoint after epoch 1");

        signal(train, "INT");

        assertTrue(train.waitFor(60, TimeUnit.SECONDS), "the training did not exit within 60 s of SIGINT");
        String out = Files.readString(log);
        assertEquals(130, train.exitValue(), out);
        java.util.regex.Matcher hint = java.util.regex.Pattern.compile("\\(continue with: (train [^)]*)\\)").matcher(out);
        assertTrue(hint.find(), out);

        // This JVM has no SPRITESTREAM_BOOTSTRAP: the hint alone must lead to the broker on its port.
        CliRun resumed = CliRun.run(new LoaderMain(), hint.group(1).split(" "));

        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.out().contains("model: " + model + " (spritenet-0012.params"), resumed.out());
        assertTrue(Files.isRegularFile(model.resolve("spritenet-0012.params")), "the final model is in the run's folder");
    }

    @Test
    void aLoadStoppedBySigtermFinishesItsExportReportAndStateForWhatItDelivered(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        Path report = dir.resolve("load.json");
        Path export = dir.resolve("export");
        Path log = dir.resolve("load.log");
        Process load = start(log, "load", "--bootstrap", bootstrap, "--dataset", "signals", "--size", "8",
                "--epochs", "100000", "--threads", "1", "--quiet", "--save-state", state.toString(), "--report-json",
                report.toString(), "--export-npy", export.toString());
        await(() -> Files.isRegularFile(state), load, "a state file");

        signal(load, "TERM");

        assertTrue(load.waitFor(60, TimeUnit.SECONDS), "the load did not exit within 60 s of SIGTERM");
        String out = Files.readString(log);
        assertEquals(143, load.exitValue(), out);
        assertTrue(out.contains("stopped by a signal after "), out);
        long delivered = JSON.readTree(report.toFile()).get("samples").asLong();
        assertTrue(delivered > 0);
        assertEquals(delivered, JSON.readTree(state.toFile()).get("samples_delivered").asLong(), "state and report");
        assertEquals(delivered, NpyFile.read(export.resolve("images.npy")).shape()[0], "rows exported");
        assertEquals(delivered, Files.readAllLines(export.resolve("keys.txt")).size(), "keys exported");
        assertEquals(delivered, Files.readAllLines(export.resolve("offsets.txt")).size(), "offsets exported");
        assertTrue(Files.isRegularFile(export.resolve("classes.txt")));
    }

    @Test
    void aLoadOnANonDefaultPortStoppedBySigtermFinishesTheRunByItsPrintedHint(@TempDir Path dir) throws Exception {
        Path state = dir.resolve("state.json");
        Path log = dir.resolve("load.log");
        Process load = start(log, "load", "--bootstrap", bootstrap, "--dataset", "signals", "--size", "8",
                "--epochs", "60", "--threads", "1", "--quiet", "--save-state", state.toString());
        await(() -> Files.isRegularFile(state), load, "a state file");

        signal(load, "TERM");

        assertTrue(load.waitFor(60, TimeUnit.SECONDS), "the load did not exit within 60 s of SIGTERM");
        String out = Files.readString(log);
        java.util.regex.Matcher hint = java.util.regex.Pattern.compile("\\(continue with: (load [^)]*)\\)").matcher(out);
        assertTrue(hint.find(), out);
        long delivered = JSON.readTree(state.toFile()).get("samples_delivered").asLong();

        CliRun resumed = CliRun.run(new LoaderMain(), hint.group(1).split(" "));

        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.out().contains("delivered " + (60L * 640 - delivered) + " samples"), resumed.out());
        assertEquals(60L * 640, JSON.readTree(state.toFile()).get("samples_delivered").asLong(), "the whole run");
    }

    @Test
    void aLoadStoppedBySigtermAndResumedAppendsToItsExportWhichEndsAsTheUninterruptedRuns(@TempDir Path dir)
            throws Exception {
        String[] run = {"--bootstrap", bootstrap, "--dataset", "signals", "--size", "8", "--epochs", "60", "--seed", "9",
                "--threads", "1", "--quiet"};
        Path reference = dir.resolve("reference");
        CliRun whole = CliRun.run(new LoaderMain(), concat(new String[] {"load"}, run, "--export-npy",
                reference.toString()));
        assertEquals(0, whole.exit(), whole.toString());

        Path state = dir.resolve("state.json");
        Path export = dir.resolve("export");
        Process load = start(dir.resolve("load.log"), concat(new String[] {"load"}, run, "--save-state",
                state.toString(), "--export-npy", export.toString()));
        await(() -> Files.isRegularFile(state), load, "a state file");
        signal(load, "TERM");
        assertTrue(load.waitFor(60, TimeUnit.SECONDS), "the load did not exit within 60 s of SIGTERM");
        long delivered = JSON.readTree(state.toFile()).get("samples_delivered").asLong();
        long total = NpyFile.read(reference.resolve("images.npy")).shape()[0];
        assertTrue(delivered > 0 && delivered < total, "stopped part way: " + delivered + " of " + total);
        assertEquals(delivered, Files.readAllLines(export.resolve("keys.txt")).size());

        CliRun otherSize = CliRun.run(new LoaderMain(), "load", "--bootstrap", bootstrap, "--resume",
                state.toString(), "--size", "16", "--quiet", "--export-npy", export.toString());
        assertEquals(2, otherSize.exit(), otherSize.toString());
        assertTrue(otherSize.errLines().get(0).startsWith("error: --export-npy: " + export + " holds samples of shape "
                + "[8, 8, 4] (HxWxC), this run makes 16x16x4"), otherSize.toString());
        assertEquals(delivered, Files.readAllLines(export.resolve("keys.txt")).size(), "the export is untouched");

        CliRun resumed = CliRun.run(new LoaderMain(), "load", "--bootstrap", bootstrap, "--resume", state.toString(),
                "--size", "8", "--threads", "1", "--quiet", "--export-npy", export.toString());

        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.err().contains("export: appending to " + export + " after its " + delivered + " samples"),
                resumed.toString());
        assertTrue(resumed.out().contains("exported: " + export + " (" + total + " samples"), resumed.toString());
        assertEquals(Files.readAllLines(reference.resolve("keys.txt")), Files.readAllLines(export.resolve("keys.txt")),
                "the keys of the uninterrupted run, in its order");
        assertEquals(Files.readAllLines(reference.resolve("offsets.txt")),
                Files.readAllLines(export.resolve("offsets.txt")));
        assertEquals(-1, Files.mismatch(reference.resolve("images.npy"), export.resolve("images.npy")),
                "the same pixels");
        assertEquals(-1, Files.mismatch(reference.resolve("labels.npy"), export.resolve("labels.npy")));
        assertTrue(!Files.exists(io.spritestream.loader.export.NpyExport.partialOf(export)), "no partial left");
    }

    @Test
    void aLoadKilledWithSigkillLeavesNoExportThatLooksCompleteAndTheResumedRunSaysWhatItExports(@TempDir Path dir)
            throws Exception {
        Path state = dir.resolve("state.json");
        Path export = dir.resolve("export");
        Path partial = io.spritestream.loader.export.NpyExport.partialOf(export);
        Process load = start(dir.resolve("load.log"), "load", "--bootstrap", bootstrap, "--dataset", "signals",
                "--size", "8", "--epochs", "60", "--threads", "1", "--quiet", "--save-state", state.toString(),
                "--export-npy", export.toString());
        await(() -> Files.isRegularFile(state), load, "a state file");

        signal(load, "KILL");

        assertTrue(load.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, load.exitValue());
        assertTrue(!Files.exists(export), "nothing at the export's place looks complete");
        assertTrue(Files.isDirectory(partial), "the partial export is apart: " + partial);
        long delivered = JSON.readTree(state.toFile()).get("samples_delivered").asLong();

        CliRun resumed = CliRun.run(new LoaderMain(), "load", "--bootstrap", bootstrap, "--resume", state.toString(),
                "--size", "8", "--threads", "1", "--quiet", "--export-npy", export.toString());

        assertEquals(0, resumed.exit(), resumed.toString());
        assertTrue(resumed.err().contains("export: " + export + " holds this run's batches only (no complete export of "
                + "the first " + delivered + " samples was there to append to; the interrupted run's partial one is "
                + "replaced)"), resumed.toString());
        long rest = 60L * 640 - delivered;
        assertEquals(rest, NpyFile.read(export.resolve("images.npy")).shape()[0], "this run's samples");
        assertEquals(rest, Files.readAllLines(export.resolve("keys.txt")).size());
        assertTrue(!Files.exists(partial), "the partial export was replaced");
    }

    private static String[] concat(String[] first, String[] second, String... third) {
        return LoaderProcess.concat(LoaderProcess.concat(first, second), third);
    }
}
