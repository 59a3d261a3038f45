package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.Cli;
import io.spritestream.cli.CliRun;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.PrometheusProcess;
import io.spritestream.loader.testing.PrometheusText;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@code --metrics-port} and {@code --metrics-bind} on the loader's command line, run in-process. */
@ExtendWith(SharedKafka.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsOptionsCliTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private String bootstrap;

    @BeforeAll
    void produce(EmbeddedKafka broker) {
        Runtimes.configure();
        bootstrap = broker.bootstrapServers();
        Datasets.synthetic(KafkaSettings.of(bootstrap), "metrics-cli", 200, 4, 16, 2);
    }

    private static CliRun run(String... args) {
        return CliRun.run(new LoaderMain(), args);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void loadDemoAndProduceOfferTheMetricsOptions() {
        for (String command : List.of("load", "demo", "produce")) {
            CliRun help = run(command, "--help");
            assertTrue(help.out().contains("--metrics-port=PORT"), command);
            assertTrue(help.out().contains("--metrics-bind=ADDRESS"), command);
        }
    }

    @Test
    void loadServesItsMetricsWhileItRunsAndPrintsTheUrl() throws Exception {
        int port = freePort();
        URI url = URI.create("http://127.0.0.1:" + port + "/metrics");
        CompletableFuture<CliRun> load = CompletableFuture.supplyAsync(() -> run("load", "--bootstrap", bootstrap,
                "--dataset", "metrics-cli", "--size", "16", "--epochs", "200", "--quiet", "--no-cache", "--metrics-port",
                String.valueOf(port))); // no cache: epochs served from it would end the run before a scrape
        AtomicReference<PrometheusText> seen = new AtomicReference<>();
        PrometheusProcess.await(Duration.ofSeconds(60), "samples on " + url, () -> {
            try {
                PrometheusText text = PrometheusText.parse(HTTP.send(HttpRequest.newBuilder(url).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
                seen.set(text);
                return text.has("spritestream_samples_delivered_total")
                        && text.value("spritestream_samples_delivered_total") > 0;
            } catch (ConnectException notYet) {
                return load.isDone();
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        CliRun r = load.get(120, TimeUnit.SECONDS);

        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().lines().anyMatch(("metrics: " + url)::equals), r.out());
        assertTrue(seen.get() != null && seen.get().value("spritestream_samples_delivered_total") > 0,
                "served while loading");
        assertTrue(seen.get().has("spritestream_pool_slabs"));
        assertFalse(reachable(url), "the endpoint closes with the command");
    }

    private static boolean reachable(URI url) throws InterruptedException {
        try {
            HTTP.send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.discarding());
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void anAddressNotOfThisMachineIsAOneLineError() {
        CliRun r = run("load", "--bootstrap", bootstrap, "--dataset", "metrics-cli", "--quiet",
                "--metrics-port", "0", "--metrics-bind", "192.0.2.1");

        assertEquals(Cli.FAILURE, r.exit(), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: cannot serve metrics on 192.0.2.1:0 ("), r.err());
    }

    @Test
    void aPortOutOfRangeIsAUsageError() {
        CliRun r = run("load", "--dataset", "metrics-cli", "--metrics-port", "-1");

        assertEquals(Cli.USAGE, r.exit(), r.err());
        assertTrue(r.err().startsWith("error: --metrics-port: -1 (expected 0..65535"), r.err());
    }
}
