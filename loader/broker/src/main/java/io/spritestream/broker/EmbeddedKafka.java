package io.spritestream.broker;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node Kafka 4.1 broker (KRaft, roles {@code broker,controller}) running inside this JVM,
 * for the demo, the {@code broker} command and tests.
 *
 * <p>Start one with {@link #start()} (free port, temporary data directory) or
 * {@code EmbeddedKafka.builder().port(9092).dataDir(dir).start()}. The returned broker already serves
 * requests: {@link Builder#start()} returns only after an admin client has seen the broker in the cluster.
 * Clients connect to {@link #bootstrapServers()}; every listener is bound to {@code 127.0.0.1} only.
 *
 * <p><b>Data directory ownership.</b> A temporary data directory (no {@link Builder#dataDir(Path)} given)
 * belongs to this instance and is deleted by {@link #close()} (or at JVM exit if the broker was never
 * closed). A given data directory belongs to the caller and is kept. If it already holds a formatted
 * broker ({@code meta.properties}) it is reused as is, so a broker stopped and started again on the same
 * directory (and port) still has its topics and records. An empty or missing directory is formatted; a
 * non-empty directory that is not a broker's is refused rather than formatted. Two live brokers must not
 * share a data directory.
 *
 * <p><b>Configuration.</b> Single-node defaults: replication factor 1 and min ISR 1 everywhere (including
 * the offsets, transaction-state and share-group state topics), {@code num.partitions=4},
 * {@code auto.create.topics.enable=false}, {@code group.initial.rebalance.delay.ms=0}, 64 MiB log
 * segments. {@link Builder#property(String, String)} adds or overrides any broker property (for example
 * to put SASL on the client listener, with {@link Builder#clientProperty(String, String)} for the
 * matching client settings).
 *
 * <p><b>Lifecycle and threads.</b> All methods are thread-safe. Like any server, a running broker keeps
 * the JVM alive (Kafka's threads are not daemons): close it. {@link #close()} is idempotent, waits for
 * a clean shutdown (well under a second on a dev machine) and leaves no non-daemon thread behind. A broker still open when the JVM exits is closed by a shutdown hook, so a stopped
 * process (Ctrl-C) leaves its data directory cleanly shut down, and a temporary one deleted.
 * Nothing here ends the JVM: while a broker is starting or running, Kafka's own fatal-fault handlers
 * (which would call {@code Runtime.halt}) get an exception instead, so a failed start is reported to the
 * caller of {@link Builder#start()} and a fatal fault later is logged, not a dead JVM. This overrides
 * Kafka's process-wide {@code org.apache.kafka.common.utils.Exit} procedures until the last embedded
 * broker closes.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** How long {@link Builder#start()} waits for the broker to serve requests. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final String HOST = "127.0.0.1";
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String META_PROPERTIES = "meta.properties";
    private static final int MAX_PORT_ATTEMPTS = 3;

    private final KafkaRaftServer server;
    private final int port;
    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Map<String, String> clientProperties;
    private final Thread closeOnExit;
    private boolean closed;

    private EmbeddedKafka(KafkaRaftServer server, int port, Path dataDir, boolean ownsDataDir,
                          Map<String, String> clientProperties) {
        this.server = server;
        this.clientProperties = Map.copyOf(clientProperties);
        this.port = port;
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.closeOnExit = new Thread(this::close, "embedded-kafka-close-on-exit");
        Runtime.getRuntime().addShutdownHook(closeOnExit);
        JvmExitGuard.acquire();
    }

    /** Starts a broker on free ports with a temporary data directory; see {@link Builder#start()}. */
    public static EmbeddedKafka start() {
        return builder().start();
    }

    /** A builder for a broker with a given port, data directory or extra properties. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:PORT}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    /**
     * A fresh, mutable set of client settings for this broker: {@code bootstrap.servers} plus every
     * {@link Builder#clientProperty(String, String)}. Add serializers, group id etc. and pass it to a
     * producer, consumer or admin client.
     */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return props;
    }

    /** The port of the client ({@code PLAINTEXT}) listener. */
    public int port() {
        return port;
    }

    /** The data directory ({@code log.dirs}); for a temporary one, gone after {@link #close()}. */
    public Path dataDir() {
        return dataDir;
    }

    /**
     * Shuts the broker down and waits for it, then deletes the data directory if this instance created
     * it. Idempotent: a later call returns at once (a concurrent one waits for the first to finish).
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            if (ownsDataDir) {
                deleteQuietly(dataDir);
            }
            removeShutdownHook();
            JvmExitGuard.release();
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafka[" + bootstrapServers() + ", dataDir=" + dataDir + "]";
    }

    private void removeShutdownHook() {
        if (Thread.currentThread() == closeOnExit) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(closeOnExit);
        } catch (IllegalStateException jvmAlreadyShuttingDown) {
            // the hook runs (or ran) anyway; close() is idempotent
        }
    }

    /**
     * Configures and starts an {@link EmbeddedKafka}. Not thread-safe; use one builder per start.
     */
    public static final class Builder {
        private int port;
        private Path dataDir;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private final Map<String, String> clientProperties = new LinkedHashMap<>();

        private int nodeId = NODE_ID;
        private int controllerPortAsked;
        private String quorumVoters;
        private String clusterId;

        private Builder() {
        }

        /**
         * Makes this broker node {@code nodeId} of a cluster whose controller quorum is
         * {@code voters} ({@code id@host:port,...}, this node's controller on {@code controllerPort})
         * and whose storage is formatted with {@code clusterId}; see {@link EmbeddedKafkaCluster}.
         */
        public Builder member(int nodeId, int controllerPort, String voters, String clusterId) {
            this.nodeId = nodeId;
            this.controllerPortAsked = controllerPort;
            this.quorumVoters = Objects.requireNonNull(voters, "voters");
            this.clusterId = Objects.requireNonNull(clusterId, "clusterId");
            return this;
        }

        /** The client listener's port; 0 (the default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
            this.port = port;
            return this;
        }

        /** The controller (KRaft) listener's port; 0 (the default) picks a free one. */
        public Builder controllerPort(int controllerPort) {
            if (controllerPort < 0 || controllerPort > 65535) {
                throw new IllegalArgumentException("controllerPort: " + controllerPort + " (expected: 0..65535)");
            }
            this.controllerPortAsked = controllerPort;
            return this;
        }

        /**
         * A data directory owned by the caller: kept on close, reused if already formatted. Without one,
         * the broker uses a temporary directory that it deletes on close.
         */
        public Builder dataDir(Path dataDir) {
            this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
            return this;
        }

        /**
         * Adds or overrides a broker property, applied last, so it may also replace this class's listener
         * settings. If clients then need credentials, give them with {@link #clientProperty(String, String)};
         * for example SASL/PLAIN on the client listener (named {@code PLAINTEXT}):
         *
         * <pre>{@code
         * EmbeddedKafka.builder()
         *     .property("listener.security.protocol.map", "PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT")
         *     .property("sasl.enabled.mechanisms", "PLAIN")
         *     .property("sasl.mechanism.inter.broker.protocol", "PLAIN")
         *     .property("listener.name.plaintext.plain.sasl.jaas.config",
         *         PlainLoginModule.class.getName() + " required username=\"admin\" password=\"s3cret\""
         *             + " user_admin=\"s3cret\";")
         *     .clientProperty("security.protocol", "SASL_PLAINTEXT")
         *     .clientProperty("sasl.mechanism", "PLAIN")
         *     .clientProperty("sasl.jaas.config",
         *         PlainLoginModule.class.getName() + " required username=\"admin\" password=\"s3cret\";")
         *     .start();
         * }</pre>
         */
        public Builder property(String key, String value) {
            extraProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * A client setting (e.g. {@code security.protocol}, {@code sasl.jaas.config}) that the readiness
         * check of {@link #start()} uses and {@link EmbeddedKafka#clientProperties()} returns.
         */
        public Builder clientProperty(String key, String value) {
            clientProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Formats the data directory if needed, starts the broker and returns once it serves requests.
         * A port picked here (not one given with {@link #port(int)}) that another process takes before
         * the broker binds it is replaced by a new free port, up to 3 tries.
         *
         * @throws IllegalStateException if the port is in use, the data directory cannot be used, or the
         *                               broker does not become ready within the start timeout
         */
        public EmbeddedKafka start() {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            for (int attempt = 1; ; attempt++) {
                int brokerPort = port != 0 ? port : freePort();
                ensurePortFree(brokerPort);
                int controllerPort = controllerPortAsked != 0 ? controllerPortAsked : freePortOtherThan(brokerPort);
                JvmExitGuard.acquire();
                try {
                    return startOn(brokerPort, controllerPort, deadline);
                } catch (PortTakenException e) {
                    // A port picked here can be taken by another process before the broker binds it.
                    boolean pickedHere = e.port != port && e.port != controllerPortAsked;
                    if (!pickedHere || attempt == MAX_PORT_ATTEMPTS) {
                        throw new IllegalStateException(portInUseMessage(e.port), e.getCause());
                    }
                } finally {
                    JvmExitGuard.release();
                }
            }
        }

        private EmbeddedKafka startOn(int brokerPort, int controllerPort, long deadline) {
            boolean ownsDataDir = dataDir == null;
            Path dir = ownsDataDir ? createTempDir() : dataDir.toAbsolutePath();
            KafkaRaftServer server = null;
            EmbeddedKafka kafka = null;
            try {
                KafkaConfig config = new KafkaConfig(properties(brokerPort, controllerPort, dir), false);
                formatUnlessFormatted(config, dir);
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                kafka = new EmbeddedKafka(server, brokerPort, dir, ownsDataDir, clientProperties);
                awaitReady(kafka, deadline, START_TIMEOUT);
                return kafka;
            } catch (RuntimeException | Error e) {
                if (kafka != null) {
                    closeQuietly(kafka);
                } else {
                    shutdownQuietly(server);
                    if (ownsDataDir) {
                        deleteQuietly(dir);
                    }
                }
                int taken = causedByBindFailure(e)
                        ? failedPort(e, controllerPort, brokerPort)
                        : firstTakenPort(brokerPort, controllerPort);
                if (taken > 0) {
                    throw new PortTakenException(taken, e);
                }
                throw e;
            }
        }

        private Map<String, String> properties(int brokerPort, int controllerPort, Path dir) {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("process.roles", "broker,controller");
            p.put("node.id", Integer.toString(nodeId));
            p.put("controller.quorum.voters", quorumVoters != null ? quorumVoters : nodeId + "@" + HOST + ":" + controllerPort);
            p.put("listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort + ","
                    + CONTROLLER_LISTENER + "://" + HOST + ":" + controllerPort);
            p.put("advertised.listeners", BROKER_LISTENER + "://" + HOST + ":" + brokerPort);
            p.put("controller.listener.names", CONTROLLER_LISTENER);
            p.put("inter.broker.listener.name", BROKER_LISTENER);
            p.put("listener.security.protocol.map",
                    BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
            p.put("log.dirs", dir.toString());

            p.put("num.partitions", "4");
            p.put("default.replication.factor", "1");
            p.put("min.insync.replicas", "1");
            p.put("auto.create.topics.enable", "false");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "1");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "1");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("share.coordinator.state.topic.num.partitions", "1");

            // A dev broker on a small machine: modest segments, threads and cleaner memory.
            p.put("log.segment.bytes", Integer.toString(64 << 20));
            p.put("log.index.size.max.bytes", Integer.toString(1 << 20));
            p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 << 20));
            p.put("num.network.threads", "2");
            p.put("num.io.threads", "4");
            p.put("background.threads", "4");

            p.putAll(extraProperties);
            return p;
        }

        private void formatUnlessFormatted(KafkaConfig config, Path dir) {
            if (Files.exists(dir.resolve(META_PROPERTIES))) {
                return;
            }
            requireEmptyOrMissing(dir);
            try {
                Files.createDirectories(dir);
                new Formatter()
                        .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                        .setNodeId(nodeId)
                        .setClusterId(clusterId != null ? clusterId : Uuid.randomUuid().toString())
                        .setControllerListenerName(CONTROLLER_LISTENER)
                        .setMetadataLogDirectory(config.metadataLogDir())
                        .setDirectories(List.of(dir.toString()))
                        .run();
            } catch (Exception e) {
                throw new IllegalStateException("Could not format Kafka data directory " + dir, e);
            }
        }

        private static void requireEmptyOrMissing(Path dir) {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new IllegalStateException("dataDir: " + dir + " (expected: an empty directory or one"
                            + " formatted by an earlier broker; it is not empty and has no " + META_PROPERTIES + ")");
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not list data directory " + dir, e);
            }
        }

        private static void awaitReady(EmbeddedKafka kafka, long deadline, Duration timeout) {
            Properties props = kafka.clientProperties();
            props.put(AdminClientConfig.CLIENT_ID_CONFIG, "embedded-kafka-readiness");
            Throwable last = null;
            try (Admin admin = Admin.create(props)) {
                while (System.nanoTime() < deadline) {
                    long remainingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                    int attemptMs = (int) Math.min(remainingMs, 5_000);
                    try {
                        if (!admin.describeCluster(new DescribeClusterOptions().timeoutMs(attemptMs))
                                .nodes().get(attemptMs, TimeUnit.MILLISECONDS).isEmpty()) {
                            return;
                        }
                    } catch (ExecutionException | TimeoutException e) {
                        last = e.getCause() != null ? e.getCause() : e;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        last = e;
                        break;
                    }
                    sleepBriefly();
                }
            }
            throw new IllegalStateException("Embedded Kafka at " + kafka.bootstrapServers()
                    + " did not serve requests within " + timeout.toSeconds() + " s", last);
        }

        private static void sleepBriefly() {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Path createTempDir() {
        try {
            return Files.createTempDirectory("embedded-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a temporary Kafka data directory", e);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not find a free port on " + HOST, e);
        }
    }

    private static int freePortOtherThan(int taken) {
        int candidate = freePort();
        return candidate != taken ? candidate : freePort();
    }

    private static void ensurePortFree(int port) {
        try {
            bindAndRelease(port);
        } catch (BindException e) {
            throw new IllegalStateException(portInUseMessage(port), e);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not check port " + port + " on " + HOST, e);
        }
    }

    /**
     * After a failed start: a port that still cannot be bound was taken by someone else. (A controller
     * that cannot bind fails through Kafka's fatal-fault handler, which does not pass the cause on.)
     */
    private static int firstTakenPort(int... ports) {
        for (int port : ports) {
            try {
                bindAndRelease(port);
            } catch (IOException e) {
                return port;
            }
        }
        return -1;
    }

    private static void bindAndRelease(int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
        }
    }

    private static String portInUseMessage(int port) {
        return "Cannot start embedded Kafka: port " + port + " on " + HOST + " is already in use";
    }

    /** Kafka names the address it failed to bind ("failed to bind to 127.0.0.1:PORT"). */
    private static int failedPort(Throwable e, int controllerPort, int brokerPort) {
        String controllerAddress = HOST + ":" + controllerPort;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(controllerAddress)) {
                return controllerPort;
            }
        }
        return brokerPort;
    }

    /** A listener could not bind its port. */
    private static final class PortTakenException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int port;

        PortTakenException(int port, Throwable cause) {
            super("port " + port, cause, false, false);
            this.port = port;
        }
    }

    private static boolean causedByBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    private static void closeQuietly(EmbeddedKafka kafka) {
        try {
            kafka.close();
        } catch (RuntimeException ignored) {
            // already failing; the original exception is the one to report
        }
    }

    /**
     * While any embedded broker is starting or running, Kafka's {@code Exit.halt}/{@code Exit.exit} (what
     * its fatal-fault handlers call, e.g. when the controller cannot bind its port) throw instead of
     * ending the JVM: the broker is a guest in this JVM and must not take its host down. Process-wide,
     * because Kafka's {@link Exit} is; Kafka's defaults come back when the last broker closes.
     */
    private static final class JvmExitGuard {
        private static int holders;

        static synchronized void acquire() {
            if (holders++ == 0) {
                Exit.setHaltProcedure(JvmExitGuard::refuse);
                Exit.setExitProcedure(JvmExitGuard::refuse);
            }
        }

        static synchronized void release() {
            if (--holders == 0) {
                Exit.resetHaltProcedure();
                Exit.resetExitProcedure();
            }
        }

        private static void refuse(int status, String message) {
            throw new IllegalStateException("Kafka asked to end the JVM (status " + status
                    + (message != null ? ", " + message : "") + "); refused by the embedded broker");
        }
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        if (server == null) {
            return;
        }
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException ignored) {
            // already failing; the original exception is the one to report
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (IOException ignored) {
            // a temporary directory left behind is not worth failing a close for
        }
    }
}
