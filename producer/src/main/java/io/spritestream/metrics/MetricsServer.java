package io.spritestream.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.spritestream.config.Setting;
import io.spritestream.config.SettingText;
import io.spritestream.config.SettingsFailure;
import io.undertow.Undertow;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.xnio.Options;

/**
 * A Prometheus registry with the JVM's meters (memory including the direct buffer pool, GC, heap
 * pressure, threads, classes, CPU, uptime), served as Prometheus text at {@code /metrics} on one
 * address (loopback unless told otherwise).
 *
 * <p>The server is Undertow: one I/O thread reads requests without blocking, so a client that
 * sends half a request, garbage, or nothing holds no thread; a request not whole within
 * {@link #REQUEST_TIMEOUT_MS}, an idle connection after {@link #IDLE_TIMEOUT_MS} and a client that
 * does not read its answer within {@link #WRITE_TIMEOUT_MS} are closed. Scrapes are answered on
 * two worker threads. Binders of the loader and the producer register their meters on
 * {@link #registry()}. {@link #close()} stops serving and closes the registry.
 */
public final class MetricsServer implements AutoCloseable {

    /** The port served; none by default (no endpoint), 0 for any free port. */
    public static final Setting<Integer> PORT = Setting.of("metrics-port", Integer.class, null, null,
            p -> p != null && p >= 0 && p <= 65535, "0..65535, 0 for any free port",
            "Serve Prometheus metrics at http://<bind>:PORT/metrics while the command runs (0: any free port; "
                    + "default: no metrics)");
    /** The address served. */
    public static final Setting<String> BIND = Setting.of("metrics-bind", String.class, "127.0.0.1", "127.0.0.1",
            a -> a != null && !a.isBlank(), "an address of this machine, e.g. 127.0.0.1 or 0.0.0.0",
            "Address the metrics endpoint listens on; 0.0.0.0 for every interface, e.g. in a container");
    /** {@link #BIND}'s default: this machine only. */
    public static final String DEFAULT_BIND = BIND.defaultValue();

    /** Every declared setting of the endpoint ({@code MetricsOptions}). */
    public static List<Setting<?>> declared() {
        return List.of(PORT, BIND);
    }
    /** Content type of Prometheus's text exposition format. */
    public static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

    /** A request must arrive whole within this (a stalled or trickling client is cut off). */
    public static final int REQUEST_TIMEOUT_MS = 5_000;
    /** A connection with no request in flight is closed after this. */
    public static final int IDLE_TIMEOUT_MS = 30_000;
    /** A client that does not take its answer is cut off after this. */
    public static final int WRITE_TIMEOUT_MS = 10_000;

    static {
        // Undertow and XNIO log through JBoss Logging: send it to SLF4J (quiet below WARN), not to
        // java.util.logging, which would print their INFO start-up lines on every run.
        if (System.getProperty("org.jboss.logging.provider") == null) {
            System.setProperty("org.jboss.logging.provider", "slf4j");
        }
    }

    private final PrometheusMeterRegistry registry;
    private final JvmGcMetrics gc;
    private final JvmHeapPressureMetrics heapPressure;
    private Undertow http;
    private InetSocketAddress address;

    private MetricsServer(PrometheusMeterRegistry registry, JvmGcMetrics gc, JvmHeapPressureMetrics heapPressure) {
        this.registry = registry;
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
        PORT.check(port);
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
        MetricsServer server = new MetricsServer(registry, gc, heapPressure);
        Undertow http = Undertow.builder()
                .addHttpListener(port, bind.getHostAddress())
                .setIoThreads(1)
                .setWorkerThreads(2)
                .setServerOption(UndertowOptions.REQUEST_PARSE_TIMEOUT, REQUEST_TIMEOUT_MS)
                .setServerOption(UndertowOptions.NO_REQUEST_TIMEOUT, IDLE_TIMEOUT_MS)
                .setServerOption(UndertowOptions.MAX_HEADER_SIZE, 16 * 1024)
                .setServerOption(UndertowOptions.MAX_ENTITY_SIZE, 0L)
                .setSocketOption(Options.WRITE_TIMEOUT, WRITE_TIMEOUT_MS)
                .setHandler(server::handle)
                .build();
        try {
            http.start();
        } catch (RuntimeException e) {
            try {
                http.stop();
            } catch (RuntimeException ignored) {
                // nothing was started
            }
            gc.close();
            heapPressure.close();
            registry.close();
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            String why = cause instanceof BindException ? cause.getMessage() : cause.toString();
            throw new SettingsFailure(SettingText.format("cannot serve metrics on %s:%s (%s; choose another {metrics-port} "
                    + "or {metrics-bind})", bind.getHostAddress(), port, why), e);
        }
        server.http = http;
        server.address = (InetSocketAddress) http.getListenerInfo().get(0).getAddress();
        return server;
    }

    /** Starts serving on {@code 127.0.0.1:port}. */
    public static MetricsServer start(int port) {
        return start(InetAddress.getLoopbackAddress(), port);
    }

    private void handle(HttpServerExchange exchange) {
        if (exchange.isInIoThread()) {
            exchange.dispatch(this::handle); // the scrape runs on a worker, never on the I/O thread
            return;
        }
        String path = exchange.getRequestPath();
        boolean get = exchange.getRequestMethod().equals(Methods.GET);
        boolean head = exchange.getRequestMethod().equals(Methods.HEAD);
        if (!path.equals("/metrics")) {
            reply(exchange, 404, "text/plain; charset=utf-8", "spritestream serves Prometheus metrics at /metrics\n");
        } else if (!get && !head) {
            exchange.getResponseHeaders().put(Headers.ALLOW, "GET, HEAD");
            reply(exchange, 405, "text/plain; charset=utf-8", "GET /metrics\n");
        } else {
            reply(exchange, 200, TEXT_FORMAT, registry.scrape());
        }
    }

    private static void reply(HttpServerExchange exchange, int status, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, contentType);
        exchange.getResponseHeaders().put(Headers.CONTENT_LENGTH, bytes.length);
        if (exchange.getRequestMethod().equals(Methods.HEAD)) {
            exchange.endExchange();
        } else {
            exchange.getResponseSender().send(java.nio.ByteBuffer.wrap(bytes));
        }
    }

    /** Where binders register their meters. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The address served. */
    public InetSocketAddress address() {
        return address;
    }

    /** The port served (the one chosen, when asked for port 0). */
    public int port() {
        return address.getPort();
    }

    /** e.g. {@code http://127.0.0.1:9400/metrics} (loopback's, when every address is served). */
    public URI url() {
        InetAddress served = address.getAddress();
        String host = served.isAnyLocalAddress() ? DEFAULT_BIND : served.getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + port() + "/metrics");
    }

    @Override
    public void close() {
        http.stop();
        gc.close();
        heapPressure.close();
        registry.close();
    }
}
