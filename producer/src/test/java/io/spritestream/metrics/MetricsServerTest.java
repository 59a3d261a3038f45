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
        assertEquals("--metrics-port: 70000 (expected 0..65535, 0 for any free port)", Cli.commandLineMessage(e));
    }

    @Test
    void withoutMetricsPortNothingIsServed() {
        assertEquals(null, startFromOptions());
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {1, 300})
    void halfSentGarbageAndSilentClientsNeverStarveAScrape(int clients) throws Exception {
        try (MetricsServer server = MetricsServer.start(0)) {
            java.util.List<Socket> held = new java.util.ArrayList<>();
            try {
                for (int i = 0; i < clients; i++) {
                    Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port());
                    switch (i % 3) {
                        case 0 -> socket.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n"
                                .getBytes(java.nio.charset.StandardCharsets.US_ASCII)); // never finished
                        case 1 -> socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xA5, 1, 2});
                        default -> { } // connects, says nothing
                    }
                    socket.getOutputStream().flush();
                    held.add(socket);
                }

                HttpResponse<String> scrape = HTTP.send(HttpRequest.newBuilder(server.url())
                        .timeout(java.time.Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());

                assertEquals(200, scrape.statusCode(), "a scrape while " + clients + " client(s) hold connections");
                assertTrue(scrape.body().contains("jvm_threads_live_threads "), "the whole answer");
                Socket halfSent = held.get(0);
                halfSent.setSoTimeout(MetricsServer.REQUEST_TIMEOUT_MS + 20_000);
                try {
                    String answer = new String(halfSent.getInputStream().readAllBytes(),
                            java.nio.charset.StandardCharsets.ISO_8859_1);
                    assertTrue(!answer.startsWith("HTTP/1.1 200"), "the half-sent request is cut off: " + answer);
                } catch (java.net.SocketTimeoutException stillOpen) {
                    throw new AssertionError("the half-sent request was never cut off", stillOpen);
                } catch (java.net.SocketException reset) {
                    // closed by the server: what it should do (a SocketTimeoutException would fail the test)
                }
            } finally {
                for (Socket socket : held) {
                    socket.close();
                }
            }
        }
    }
}
