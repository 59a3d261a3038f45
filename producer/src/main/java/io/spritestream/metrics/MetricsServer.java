package io.spritestream.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.SettingText;
import io.spritestream.config.SettingsFailure;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Prometheus registry with the JVM's meters (memory including the direct buffer pool, GC, heap
 * pressure, threads, classes, CPU, uptime), served as Prometheus text at {@code /metrics} by the
 * JDK's HTTP server on one address (loopback unless told otherwise).
 *
 * <p>Binders of the loader and the producer register their meters on {@link #registry()}. One
 * thread ({@code spritestream-metrics-http}) answers scrapes. {@link #close()} stops serving and
 * closes the registry.
 */
public final class MetricsServer implements AutoCloseable {

    /** The address served unless {@code --metrics-bind} says otherwise. */
    public static final String DEFAULT_BIND = "127.0.0.1";
    /** Content type of Prometheus's text exposition format. */
    public static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final JvmHeapPressureMetrics heapPressure;
    private final HttpServer http;
    private final ExecutorService executor;

    private MetricsServer(PrometheusMeterRegistry registry, HttpServer http, ExecutorService executor,
                          JvmGcMetrics gc, JvmHeapPressureMetrics heapPressure) {
        this.registry = registry;
        this.http = http;
        this.executor = executor;
        this.gc = gc;
        this.heapPressure = heapPressure;
    }

    /**
     * Starts serving on {@code bind:port}.
     *
     * @param port 0 for any free port (see {@link #port()})
     * @throws IllegalStateException if the address cannot be served (port in use, address not local)
     */
    public static MetricsServer start(InetAddress bind, int port) {
        if (port < 0 || port > 65535) {
            throw InvalidSettingException.of("metrics-port", port, "0..65535, 0 for any free port");
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
        JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();
        heapPressure.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        HttpServer http;
        try {
            http = HttpServer.create(new InetSocketAddress(bind, port), 16);
        } catch (IOException e) {
            gc.close();
            heapPressure.close();
            registry.close();
            String why = e instanceof BindException ? e.getMessage() : e.toString();
            throw new SettingsFailure(SettingText.format("cannot serve metrics on %s:%s (%s; choose another {metrics-port} "
                    + "or {metrics-bind})", bind.getHostAddress(), port, why), e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "spritestream-metrics-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(executor);
        MetricsServer server = new MetricsServer(registry, http, executor, gc, heapPressure);
        http.createContext("/", server::handle);
        http.start();
        return server;
    }

    /** Starts serving on {@code 127.0.0.1:port}. */
    public static MetricsServer start(int port) {
        return start(InetAddress.getLoopbackAddress(), port);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (!path.equals("/metrics")) {
                reply(exchange, 404, "text/plain; charset=utf-8", "spritestream serves Prometheus metrics at /metrics\n");
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                reply(exchange, 405, "text/plain; charset=utf-8", "GET /metrics\n");
            } else {
                reply(exchange, 200, TEXT_FORMAT, registry.scrape());
            }
        }
    }

    private static void reply(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Where binders register their meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The address served. */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The port served (the one chosen, when asked for port 0). */
    public int port() {
        return http.getAddress().getPort();
    }

    /** e.g. {@code http://127.0.0.1:9400/metrics} (loopback's, when every address is served). */
    public URI url() {
        InetAddress address = http.getAddress().getAddress();
        String host = address.isAnyLocalAddress() ? DEFAULT_BIND : address.getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/metrics");
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
        gc.close();
        heapPressure.close();
        registry.close();
    }
}
