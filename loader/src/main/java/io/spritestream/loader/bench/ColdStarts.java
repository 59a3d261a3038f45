package io.spritestream.loader.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The loader as users meet it: {@code runs} fresh processes per case, each timed from its start to
 * its first batch and to its last, beside the warm stages of the same bench. The cases: {@code load}
 * without the decoded-sample cache, filling a new one (the default cache on a first run), from the
 * cache the filling run left; {@code feed} with a viewer that takes every batch at once (the
 * PyTorch side's process); and {@code load} without the cache as plain {@code java -jar}, when the
 * processes are otherwise started through the launcher.
 *
 * <p>A process's steps come from its run report ({@code startup}, seconds from the process's start);
 * the feed's first batch is when its viewer read the announcement. Each process reads
 * {@code epochs} epochs with seed 1, the order every loader stage of the bench uses.
 */
final class ColdStarts {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** How a child process starts: the command up to the loader's arguments, and what to call it. */
    record Launch(String name, List<String> command) {}

    /** One case's medians over its processes. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Result(
            @JsonProperty("name") String name,
            @JsonProperty("launch") String launch,
            @JsonProperty("processes") int processes,
            @JsonProperty("first_batch_s") double firstBatchSeconds,
            @JsonProperty("last_batch_s") double lastBatchSeconds,
            @JsonProperty("exit_s") double exitSeconds,
            @JsonProperty("samples") long samples,
            @JsonProperty("run_samples_per_s") double runSamplesPerSecond,
            @JsonProperty("from_start_samples_per_s") double fromStartSamplesPerSecond,
            @JsonProperty("steps_s") Map<String, Double> steps,
            @JsonProperty("warm_stage") String warmStage,
            @JsonProperty("run_over_warm") Double runOverWarm) {}

    /** One process's figures. */
    private record Sample(double firstBatch, double lastBatch, double exit, long samples, double runRate,
                          Map<String, Double> steps) {}

    private final Launch launch;
    private final Launch plainJar;
    private final List<String> source;
    private final int epochs;
    private final Path work;
    private final Consumer<String> progress;

    /**
     * @param launch   how the processes start (the launcher where there is one)
     * @param plainJar {@code java -jar} when {@code launch} is the launcher, else null
     * @param source   the loader's arguments that name the records and what they become
     */
    ColdStarts(Launch launch, Launch plainJar, List<String> source, int epochs, Path work, Consumer<String> progress) {
        this.launch = launch;
        this.plainJar = plainJar;
        this.source = source;
        this.epochs = epochs;
        this.work = work;
        this.progress = progress;
    }

    /** {@code runs} rounds, every case once a round (so a machine that slows down affects all alike). */
    List<Result> run(int runs) throws IOException, InterruptedException {
        Map<String, List<Sample>> samples = new LinkedHashMap<>();
        for (int round = 1; round <= runs; round++) {
            Path cache = Files.createTempDirectory(work, "cold-cache-");
            measure(samples, "load, no cache", round, runs, () -> load(launch, "--no-cache"));
            measure(samples, "load, cache filling", round, runs, () -> load(launch, "--cache", cache.toString()));
            measure(samples, "load, cache warm", round, runs, () -> load(launch, "--cache", cache.toString()));
            measure(samples, "feed, no cache", round, runs, () -> feed(launch, "--no-cache"));
            if (plainJar != null) {
                measure(samples, "java -jar load, no cache", round, runs, () -> load(plainJar, "--no-cache"));
            }
            deleteTree(cache); // as a cache evicts: the next round's filling writes into memory written before
        }
        List<Result> results = new ArrayList<>();
        samples.forEach((name, list) -> results.add(summary(name, list)));
        return results;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private interface Run {
        Sample get() throws IOException, InterruptedException;
    }

    private void measure(Map<String, List<Sample>> into, String name, int round, int runs, Run run)
            throws IOException, InterruptedException {
        progress.accept("cold " + name + " " + round + "/" + runs + " ...");
        into.computeIfAbsent(name, n -> new ArrayList<>()).add(run.get());
    }

    private Sample load(Launch how, String... extra) throws IOException, InterruptedException {
        Path report = Files.createTempFile(work, "cold-report-", ".json");
        Path log = Files.createTempFile(work, "cold-log-", ".txt");
        List<String> command = command(how, "load", extra);
        command.addAll(List.of("--quiet", "--report-json", report.toString()));
        long began = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        waitFor(p, log);
        double exit = (System.nanoTime() - began) / 1e9;
        return sample(JSON.readTree(report.toFile()), Double.NaN, exit);
    }

    private Sample feed(Launch how, String... extra) throws IOException, InterruptedException {
        Path log = Files.createTempFile(work, "cold-log-", ".txt");
        List<String> command = command(how, "feed", extra);
        long began = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        double firstBatch = Double.NaN;
        JsonNode report = null;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
             OutputStream replies = p.getOutputStream()) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.startsWith("B ")) {
                    if (Double.isNaN(firstBatch)) {
                        firstBatch = (System.nanoTime() - began) / 1e9;
                    }
                    String[] f = line.split(" ");
                    replies.write(("T " + f[4] + "\nF " + f[1] + "\n").getBytes(StandardCharsets.UTF_8));
                    replies.flush();
                } else if (line.startsWith("E ")) {
                    report = JSON.readTree(line.substring(2));
                }
            }
        }
        waitFor(p, log);
        double exit = (System.nanoTime() - began) / 1e9;
        if (report == null) {
            throw new IllegalStateException("feed ended without its report: " + Files.readString(log).strip());
        }
        return sample(report, firstBatch, exit);
    }

    private List<String> command(Launch how, String name, String... extra) {
        List<String> command = new ArrayList<>(how.command());
        command.add(name);
        command.addAll(source);
        command.addAll(List.of("--epochs", Integer.toString(epochs), "--seed", "1"));
        command.addAll(List.of(extra));
        return command;
    }

    private static void waitFor(Process p, Path log) throws IOException, InterruptedException {
        if (!p.waitFor(600, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("a cold run did not end within 600 s: " + Files.readString(log).strip());
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException("a cold run failed (exit " + p.exitValue() + "): " + Files.readString(log).strip());
        }
    }

    private static Sample sample(JsonNode report, double firstBatchSeen, double exit) {
        Map<String, Double> steps = new LinkedHashMap<>();
        report.path("startup").fields().forEachRemaining(e -> steps.put(e.getKey(), e.getValue().asDouble()));
        double firstBatch = Double.isNaN(firstBatchSeen) ? steps.getOrDefault("first_batch", Double.NaN) : firstBatchSeen;
        return new Sample(firstBatch, steps.getOrDefault("last_batch", Double.NaN), exit, report.path("samples").asLong(),
                report.path("samples_per_s").asDouble(), steps);
    }

    private Result summary(String name, List<Sample> list) {
        Map<String, Double> steps = new LinkedHashMap<>();
        for (String step : list.get(0).steps().keySet()) {
            steps.put(step, median(list.stream().mapToDouble(s -> s.steps().getOrDefault(step, Double.NaN)).toArray()));
        }
        double lastBatch = median(list.stream().mapToDouble(Sample::lastBatch).toArray());
        long samples = list.get(0).samples();
        return new Result(name, name.startsWith("java -jar") ? plainJar.name() : launch.name(), list.size(),
                median(list.stream().mapToDouble(Sample::firstBatch).toArray()), lastBatch,
                median(list.stream().mapToDouble(Sample::exit).toArray()), samples,
                median(list.stream().mapToDouble(Sample::runRate).toArray()), samples / lastBatch, steps,
                warmStage(name), null);
    }

    /** The warm stage of the bench a case compares with. */
    static String warmStage(String name) {
        if (name.contains("cache filling")) {
            return Bench.FILLING;
        }
        return name.contains("cache warm") ? Bench.CACHED : "loader";
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** The table's lines. */
    static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "cold starts (fresh processes, median of %d; seconds from each process's start)%n",
                results.isEmpty() ? 0 : results.get(0).processes()));
        sb.append(String.format(Locale.ROOT, "%-26s %11s %10s %8s %12s %13s %9s%n", "run", "first batch", "last batch",
                "exit", "run samples/s", "from start/s", "run/warm"));
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-26s %10.2fs %9.2fs %7.2fs %,13.0f %,13.0f %9s%n", r.name(),
                    r.firstBatchSeconds(), r.lastBatchSeconds(), r.exitSeconds(), r.runSamplesPerSecond(),
                    r.fromStartSamplesPerSecond(), r.runOverWarm() == null ? "" : String.format(Locale.ROOT, "%.2f",
                            r.runOverWarm())));
        }
        for (Result r : results) {
            StringBuilder steps = new StringBuilder();
            r.steps().forEach((step, s) -> steps.append(String.format(Locale.ROOT, " %s %.3f", step, s)));
            sb.append(String.format(Locale.ROOT, "%-26s steps (s):%s%n", r.name(), steps));
        }
        sb.append("(run samples/s: the run's own rate, from opening the loader to its last batch, as its report gives\n"
                + " it; from start/s: samples over the seconds from the process's start to its last batch; run/warm:\n"
                + " the run's rate over the warm stage it repeats cold: loader, " + Bench.FILLING + " or "
                + Bench.CACHED + ")");
        return sb.toString();
    }
}
