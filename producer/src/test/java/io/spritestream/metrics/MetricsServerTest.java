package io.spritestream.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import io.spritestream.cli.MetricsOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The /metrics endpoint: what it serves, and where it can be reached from. */
class MetricsServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Command(name = "test")
    static final class WithMetricsOptions {
        @Mixin
        MetricsOptions metrics;
    }

    /** The server as a command starts it from its options, e.g. {@code --metrics-port 0}. */
    private static MetricsServer startFromOptions(String... args) {
        WithMetricsOptions command = new WithMetricsOptions();
        new CommandLine(command).parseArgs(args);
        return command.metrics.start(new PrintWriter(new StringWriter()));
    }

    private static HttpResponse<String> get(URI uri, String method) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static boolean connects(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getByName(host), port), 2000);
            return true;
        } catch (ConnectException refused) {
            return false;
        }
    }

    @Test
    void servesPrometheusTextWithTheJvmMetersAtMetrics() throws Exception {
        try (MetricsServer server = MetricsServer.start(0)) {
            HttpResponse<String> response = get(server.url(), "GET");

            assertEquals(200, response.statusCode());
            assertEquals(MetricsServer.TEXT_FORMAT, response.headers().firstValue("Content-Type").orElse(""));
            String body = response.body();
            assertTrue(body.contains("jvm_buffer_memory_used_bytes{id=\"direct\"}"), "direct buffer pool");
            assertTrue(body.contains("jvm_buffer_total_capacity_bytes{id=\"direct\"}"), "direct buffer capacity");
            assertTrue(body.contains("jvm_gc_overhead "), "GC overhead");
            assertTrue(body.contains("jvm_gc_memory_allocated_bytes_total "), "GC allocation");
            assertTrue(body.contains("jvm_memory_used_bytes{area=\"heap\""), "heap");
            assertTrue(body.contains("jvm_threads_live_threads "), "threads");
        }
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        try (MetricsServer server = MetricsServer.start(0)) {
            assertEquals(404, get(server.url().resolve("/"), "GET").statusCode());
            assertEquals(404, get(server.url().resolve("/metrics/x"), "GET").statusCode());
            assertEquals(405, get(server.url(), "POST").statusCode());
        }
    }

    @Test
    void byDefaultTheEndpointListensOnLoopbackOnlyAndIsNotReachableOnAnotherAddress() throws Exception {
        try (MetricsServer server = startFromOptions("--metrics-port", "0")) {
            int port = server.port();

            assertEquals("http://127.0.0.1:" + port + "/metrics", server.url().toString());
            assertTrue(server.address().getAddress().isLoopbackAddress());
            assertTrue(connects("127.0.0.1", port));
            // 127.0.0.2 is another address of this machine: a server on every interface would answer there.
            assertEquals(false, connects("127.0.0.2", port), "not reachable on an address other than 127.0.0.1");
        }
    }

    @Test
    void metricsBindOfAllInterfacesMakesItReachableOnOtherAddresses() throws Exception {
        try (MetricsServer server = startFromOptions("--metrics-port", "0", "--metrics-bind", "0.0.0.0")) {
            assertTrue(server.address().getAddress().isAnyLocalAddress());
            assertTrue(connects("127.0.0.2", server.port()));
            assertEquals(200, get(URI.create("http://127.0.0.2:" + server.port() + "/metrics"), "GET").statusCode());
        }
    }

    @Test
    void aPortInUseFailsNamingTheAddressAndTheOptions() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> startFromOptions("--metrics-port", String.valueOf(taken.getLocalPort())));
            assertTrue(e.getMessage().startsWith("cannot serve metrics on 127.0.0.1:" + taken.getLocalPort()), e.getMessage());
            assertTrue(e.getMessage().contains("choose another metrics-port or metrics-bind"), e.getMessage());
            assertTrue(Cli.commandLineMessage(e).contains("choose another --metrics-port or --metrics-bind"),
                    Cli.commandLineMessage(e));
        }
    }

    @Test
    void aPortOutOfRangeIsAnArgumentError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> startFromOptions("--metrics-port", "70000"));
        assertEquals("--metrics-port: 70000 (expected 0..65535, 0 for any free port)", e.getMessage());
    }

    @Test
    void withoutMetricsPortNothingIsServed() {
        assertEquals(null, startFromOptions());
    }
}
