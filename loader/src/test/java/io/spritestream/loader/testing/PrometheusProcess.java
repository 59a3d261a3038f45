package io.spritestream.loader.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) on a free loopback port, scraping
 * given targets every second, with its data in a temporary folder. Stopped by {@link #close()}.
 *
 * <p>Where the binaries are missing, tests {@linkplain #require skip} with a message saying how to
 * install them, except when {@code SPRITESTREAM_REQUIRE_PROMETHEUS=1} (as in {@code .ci/run}):
 * then they fail.
 */
public final class PrometheusProcess implements AutoCloseable {

    /** Set to 1 where Prometheus must be present (CI): a missing binary fails instead of skipping. */
    public static final String REQUIRE_ENV = "SPRITESTREAM_REQUIRE_PROMETHEUS";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path log;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** {@code name} ({@code prometheus}, {@code promtool}) on the PATH or in /usr/bin, if there. */
    public static Optional<Path> find(String name) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.add("/usr/bin");
        for (String dir : dirs) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /**
     * {@code name}, or the test stops here: it fails under {@code SPRITESTREAM_REQUIRE_PROMETHEUS=1},
     * else it is skipped.
     */
    public static Path require(String name) {
        Optional<Path> found = find(name);
        if (found.isPresent()) {
            return found.get();
        }
        String message = name + " is not on the PATH nor in /usr/bin: install Debian's prometheus package "
                + "(apt-get install prometheus), as .ci/run does";
        if ("1".equals(System.getenv(REQUIRE_ENV))) {
            fail(message + " (" + REQUIRE_ENV + "=1: required here)");
        }
        // Surefire shows a skip's reason only in its XML report: say it on the console too.
        System.err.println("SKIPPED: " + message + " to run this test");
        Assumptions.abort(message + " to run this test");
        throw new AssertionError("unreachable");
    }

    /**
     * Starts Prometheus scraping {@code 127.0.0.1:port/metrics} every second for each job.
     *
     * @param jobs job name to the port of its target
     */
    public static PrometheusProcess start(Path dir, Map<String, Integer> jobs) throws IOException, InterruptedException {
        Path binary = require("prometheus");
        StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                + "scrape_configs:\n");
        jobs.forEach((job, port) -> config.append("  - job_name: ").append(job).append('\n')
                .append("    static_configs:\n      - targets: [\"127.0.0.1:").append(port).append("\"]\n"));
        Path configFile = dir.resolve("prometheus.yml");
        Files.writeString(configFile, config);
        int port = freePort();
        Path log = dir.resolve("prometheus.log");
        Process process = new ProcessBuilder(binary.toString(),
                "--config.file=" + configFile,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port,
                "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PrometheusProcess prometheus = new PrometheusProcess(process, log, port);
        try {
            prometheus.awaitReady();
        } catch (RuntimeException | InterruptedException | Error e) {
            prometheus.close();
            throw e;
        }
        return prometheus;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() throws InterruptedException {
        await(Duration.ofSeconds(30), "Prometheus ready at " + base, () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue() + ": " + logText());
            }
            try {
                return get("/-/ready").statusCode() == 200;
            } catch (IOException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        });
    }

    /**
     * Evaluates {@code promql} now through the HTTP query API.
     *
     * @return the {@code data.result} array (one element per series)
     */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new AssertionError("query failed (" + response.statusCode() + "): " + promql + ": " + response.body());
        }
        return body.path("data").path("result");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Polls {@code condition} every 200 ms until it holds, failing after {@code timeout}. */
    public static void await(Duration timeout, String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** What Prometheus logged, for failure messages. */
    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
