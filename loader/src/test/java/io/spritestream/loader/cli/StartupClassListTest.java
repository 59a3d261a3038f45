package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.LoaderProcess;
import io.spritestream.loader.testing.RepoFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cold runs load what they need and no more (no PyTorch engine for loading and feeding), report when
 * they reached each step of their start, and the
 * class list the build makes its class-data sharing archive from ({@code src/main/cds/classlist},
 * see the loader's pom) covers what cold runs of {@code load} (with and without the decoded-sample
 * cache), {@code feed} (with a viewer) and {@code train} load: a list gone stale leaves start-up to
 * load and verify those classes one by one again, silently. Regenerate it with
 * {@code mvn -pl loader -am verify -Dtest=StartupClassListTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dspritestream.classlist.update=true}.
 */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StartupClassListTest {

    /** Share of the classes the runs load that may be missing from the list before it counts as stale. */
    private static final double MISSING_ALLOWED = 0.03;

    private String bootstrap;

    @BeforeAll
    void produce(EmbeddedKafka broker) {
        bootstrap = broker.bootstrapServers();
        Datasets.synthetic(KafkaSettings.of(bootstrap), "classlist-test", 300, 4, 24, 2);
    }

    @Test
    void coldLoadingRunsStartOnlyWhatTheyNeedAndTheClassListCoversIt(@TempDir Path dir) throws Exception {
        String[] source = {"--bootstrap", bootstrap, "--dataset", "classlist-test", "--size", "16", "--batch", "32",
                "--seed", "3"};
        List<Path> lists = new ArrayList<>();
        Path cache = dir.resolve("cache");
        Path report = dir.resolve("report.json");
        lists.add(run(dir, "load-no-cache", LoaderProcess.concat(new String[] {"load"}, LoaderProcess.concat(source,
                "--no-cache", "--quiet", "--report-json", report.toString()))));
        // The report says when the process reached each step of its start, in order.
        JsonNode startup = new ObjectMapper().readTree(report.toFile()).path("startup");
        List<String> steps = List.of("main", "command", "resolved", "started", "first_batch", "last_batch");
        for (int i = 0; i < steps.size(); i++) {
            assertTrue(startup.path(steps.get(i)).isNumber(), steps.get(i) + " in " + startup);
            double at = startup.path(steps.get(i)).asDouble();
            assertTrue(at > 0 && at < 120, steps.get(i) + " at " + at + " s");
            if (i > 0) {
                assertTrue(at >= startup.path(steps.get(i - 1)).asDouble(), steps.get(i) + " before " + steps.get(i - 1)
                        + ": " + startup);
            }
        }
        lists.add(run(dir, "load-filling", LoaderProcess.concat(new String[] {"load"}, LoaderProcess.concat(source,
                "--cache", cache.toString(), "--quiet"))));
        lists.add(run(dir, "load-cached", LoaderProcess.concat(new String[] {"load"}, LoaderProcess.concat(source,
                "--cache", cache.toString(), "--quiet"))));
        lists.add(feed(dir, LoaderProcess.concat(new String[] {"feed"}, LoaderProcess.concat(source, "--no-cache",
                "--ring-dir", dir.toString()))));
        lists.add(run(dir, "train", "train", "--bootstrap", bootstrap, "--dataset", "classlist-test", "--size", "16",
                "--epochs", "1", "--seed", "3", "--no-cache", "--quiet", "--save-model", dir.resolve("model").toString()));

        // Only what a run needs: loading and feeding never start DJL's PyTorch engine (training does).
        String engine = "ai/djl/pytorch/engine/PtEngine";
        for (Path list : List.of(lists.get(0), lists.get(1), lists.get(2), lists.get(3))) {
            assertFalse(Files.readAllLines(list).contains(engine), list.getFileName() + " started the PyTorch engine");
        }
        assertTrue(Files.readAllLines(lists.get(4)).contains(engine), "train starts the engine");

        Set<String> loaded = new LinkedHashSet<>();
        for (Path list : lists) {
            loaded.addAll(Files.readAllLines(list));
        }
        Path committed = RepoFiles.root().resolve("loader/src/main/cds/classlist");
        if (Boolean.getBoolean("spritestream.classlist.update")) {
            Files.createDirectories(committed.getParent());
            Files.write(committed, loaded);
        }
        Set<String> listed = new LinkedHashSet<>(Files.readAllLines(committed));
        List<String> classes = loaded.stream().filter(line -> !line.startsWith("@")).collect(Collectors.toList());
        List<String> missing = classes.stream().filter(c -> !listed.contains(c)).collect(Collectors.toList());
        assertTrue(classes.size() > 1000, "the runs loaded only " + classes.size() + " classes: did they run?");
        assertTrue(missing.size() <= MISSING_ALLOWED * classes.size(), missing.size() + " of the " + classes.size()
                + " classes cold runs load are not in " + committed + " (e.g. " + missing.subList(0,
                Math.min(10, missing.size())) + "): regenerate it (see this test's Javadoc)");
    }

    /** {@code args} in a new JVM that writes the classes it loads; the list. */
    private static Path run(Path dir, String name, String... args) throws Exception {
        Path list = dir.resolve(name + ".classlist");
        Process p = start(list, dir.resolve(name + ".log"), args);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), name + " did not end");
        assertEquals(0, p.exitValue(), name + ": " + Files.readString(dir.resolve(name + ".log")));
        return list;
    }

    /** {@code feed} with a viewer that takes and frees every batch at once; the list. */
    private static Path feed(Path dir, String... args) throws Exception {
        Path list = dir.resolve("feed.classlist");
        Path log = dir.resolve("feed.log");
        List<String> command = command(list, args);
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             OutputStream replies = p.getOutputStream()) {
            for (String line = lines.readLine(); line != null && !line.startsWith("E "); line = lines.readLine()) {
                if (line.startsWith("B ")) {
                    String[] f = line.split(" ");
                    replies.write(("T " + f[4] + "\nF " + f[1] + "\n").getBytes(StandardCharsets.UTF_8));
                    replies.flush();
                }
            }
        }
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "feed did not end");
        assertEquals(0, p.exitValue(), "feed: " + Files.readString(log));
        return list;
    }

    private static Process start(Path list, Path log, String... args) throws IOException {
        return new ProcessBuilder(command(list, args)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static List<String> command(Path list, String... args) {
        List<String> command = new ArrayList<>(LoaderProcess.javaCommand());
        command.add(1, "-XX:DumpLoadedClassList=" + list);
        command.addAll(List.of(args));
        return command;
    }
}
