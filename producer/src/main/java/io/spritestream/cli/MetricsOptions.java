package io.spritestream.cli;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.metrics.MetricsServer;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code --metrics-port} and {@code --metrics-bind}: a Prometheus endpoint for the run (a picocli
 * mixin shared by {@code load}, {@code demo}, {@code produce} and any command that runs a loader;
 * defaults, docs and checks from {@link MetricsServer}'s declarations).
 */
@Command(resourceBundle = SharedSettingsBundle.NAME)
public final class MetricsOptions {

    @Option(names = "--metrics-port", paramLabel = "PORT", descriptionKey = "metrics-port.doc")
    Integer port;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", defaultValue = "${bundle:metrics-bind.default}",
            descriptionKey = "metrics-bind.doc")
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
        MetricsServer.PORT.check(port);
        InetAddress address;
        try {
            address = InetAddress.getByName(MetricsServer.BIND.check(bind));
        } catch (UnknownHostException e) {
            throw InvalidSettingException.of(MetricsServer.BIND.name(), bind, MetricsServer.BIND.expected());
        }
        MetricsServer server = MetricsServer.start(address, port);
        out.println("metrics: " + server.url() + (address.isAnyLocalAddress() ? " (all interfaces)" : ""));
        out.flush();
        return server;
    }
}
