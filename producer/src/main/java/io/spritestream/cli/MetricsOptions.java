package io.spritestream.cli;

import io.spritestream.metrics.MetricsServer;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-port} and {@code --metrics-bind}: a Prometheus endpoint for the run (a picocli
 * mixin shared by {@code load}, {@code demo}, {@code produce} and any command that runs a loader).
 */
public final class MetricsOptions {

    @Option(names = "--metrics-port", paramLabel = "PORT",
            description = "Serve Prometheus metrics at http://<bind>:PORT/metrics while the command runs "
                    + "(0: any free port; default: no metrics).")
    Integer port;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = MetricsServer.DEFAULT_BIND,
            description = "Address the metrics endpoint listens on (default: ${DEFAULT-VALUE}, this machine only; "
                    + "0.0.0.0 for every interface, e.g. in a container).")
    String bind;

    /**
     * Starts the endpoint if {@code --metrics-port} was given and prints its URL on {@code out}.
     *
     * @return the server (the caller closes it), or {@code null} without {@code --metrics-port}
     */
    public MetricsServer start(PrintWriter out) {
        if (port == null) {
            return null;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--metrics-port: " + port + " (expected 0..65535, 0 for any free port)");
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(bind);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--metrics-bind: '" + bind + "' (expected an address of this machine, "
                    + "e.g. 127.0.0.1 or 0.0.0.0)");
        }
        MetricsServer server = MetricsServer.start(address, port);
        out.println("metrics: " + server.url() + (address.isAnyLocalAddress() ? " (all interfaces)" : ""));
        out.flush();
        return server;
    }
}
