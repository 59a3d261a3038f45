package io.spritestream.kafka;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.spritestream.config.Setting;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * How every client of a command reaches Kafka: the bootstrap servers, the user's client properties
 * ({@code --kafka-config}, e.g. SASL/TLS settings, passed to every client), and time bounds so an
 * unreachable broker gives a clear error instead of a hang.
 *
 * <p>Immutable and thread-safe. Never log {@link #common()}: it may hold secrets; use
 * {@link #describe()}.
 */
public final class KafkaSettings {

    /** The environment variable that, when set, is the default of {@link #BOOTSTRAP} for every command. */
    public static final String BOOTSTRAP_ENV = "SPRITESTREAM_BOOTSTRAP";
    /**
     * The cluster's bootstrap servers; the default is {@code $SPRITESTREAM_BOOTSTRAP}, else the
     * {@code broker} command's port on loopback (see {@link #fromEnvironment()}).
     */
    public static final Setting<String> BOOTSTRAP = Setting.of("bootstrap", String.class, "127.0.0.1:9092",
            "127.0.0.1:9092", b -> b != null && b.matches("[^\\s,]+:\\d+(,[^\\s,]+:\\d+)*"),
            "HOST:PORT[,HOST:PORT...]", "Kafka bootstrap servers").withEnvironment(BOOTSTRAP_ENV);
    /** A bound on remote calls during a run: how long a broker that stops answering is waited for. */
    public static final Setting<Duration> BROKER_TIMEOUT = Setting.seconds("broker-timeout", 30, 1,
            "How long to wait for a broker that stops answering during a run before giving up");
    /** How long a command waits, at its start, for a first answer from the cluster. */
    public static final Setting<Duration> CONNECT_TIMEOUT = Setting.seconds("connect-timeout", 10, 1,
            "How long to wait at start for a first answer from the cluster");
    /** The user's client properties ({@code --kafka-config}, e.g. SASL/TLS), or none. */
    public static final Setting<Path> KAFKA_CONFIG = Setting.of("kafka-config", Path.class, null, null,
            file -> file == null || Files.isRegularFile(file), "a readable .properties file",
            "Kafka client properties (SASL, TLS, ...) given to every client of this command");

    /** {@link #BOOTSTRAP}'s default. */
    public static final String DEFAULT_BOOTSTRAP = BOOTSTRAP.defaultValue();

    /** Every declared setting of how a command reaches Kafka ({@code KafkaOptions}). */
    public static List<Setting<?>> declared() {
        return List.of(BOOTSTRAP, KAFKA_CONFIG, BROKER_TIMEOUT, CONNECT_TIMEOUT);
    }

    private static final Set<String> SECRET_HINTS = Set.of("password", "secret", "jaas", "token", "credential");

    private final String bootstrap;
    /** Where {@link #bootstrap} came from, as an error says it ({@code $SPRITESTREAM_BOOTSTRAP}); null: not said. */
    private final String origin;
    /** Whether a config file's {@code bootstrap.servers} takes the place of {@link #bootstrap} (not given explicitly). */
    private final boolean fileMayReplace;
    private final Map<String, Object> userProperties;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final java.util.function.Consumer<String> notices;

    private KafkaSettings(String bootstrap, String origin, boolean fileMayReplace, Map<String, Object> userProperties,
                          Duration timeout, Duration connectTimeout, java.util.function.Consumer<String> notices) {
        this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
        this.origin = origin;
        this.fileMayReplace = fileMayReplace;
        this.userProperties = Map.copyOf(userProperties);
        this.timeout = timeout;
        this.connectTimeout = connectTimeout;
        this.notices = Objects.requireNonNull(notices, "notices");
    }

    /**
     * Settings for {@code bootstrap} with no extra properties and the declared timeouts (see
     * {@link #BROKER_TIMEOUT}, {@link #CONNECT_TIMEOUT}).
     *
     * @throws io.spritestream.config.InvalidSettingException if {@code bootstrap} is not {@code HOST:PORT[,...]}
     */
    public static KafkaSettings of(String bootstrap) {
        return new KafkaSettings(BOOTSTRAP.check(bootstrap), null, DEFAULT_BOOTSTRAP.equals(bootstrap), Map.of(),
                BROKER_TIMEOUT.defaultValue(), CONNECT_TIMEOUT.defaultValue(), line -> { });
    }

    /**
     * Settings for the default bootstrap servers: {@code $SPRITESTREAM_BOOTSTRAP} when it is set, else
     * {@link #DEFAULT_BOOTSTRAP}; an error that cannot reach them says which it was. A config file's
     * {@code bootstrap.servers} ({@link #withConfigFile}) takes the place of either.
     *
     * @throws IllegalArgumentException naming the variable if its value is not {@code HOST:PORT[,...]}
     */
    public static KafkaSettings fromEnvironment() {
        return fromEnvironment(System.getenv(BOOTSTRAP_ENV));
    }

    /** {@link #fromEnvironment()} with {@code value} as the variable's value (null: not set). */
    static KafkaSettings fromEnvironment(String value) {
        if (value == null || value.isBlank()) {
            return of(DEFAULT_BOOTSTRAP).withOrigin("the default; set --bootstrap or $" + BOOTSTRAP_ENV, true);
        }
        String address = value.strip();
        if (!BOOTSTRAP.accepts(address)) {
            throw new IllegalArgumentException("$" + BOOTSTRAP_ENV + ": '" + address + "' (expected "
                    + BOOTSTRAP.expected() + ")");
        }
        return of(address).withOrigin("from $" + BOOTSTRAP_ENV, true);
    }

    /**
     * The same settings, saying where the bootstrap servers came from in the errors that name them
     * ({@code cannot reach Kafka at H:P (from $SPRITESTREAM_BOOTSTRAP) ...}).
     *
     * @param origin         e.g. {@code from the checkpoint}; null: said nowhere (they were given)
     * @param fileMayReplace whether a config file's {@code bootstrap.servers} takes their place
     */
    public KafkaSettings withOrigin(String origin, boolean fileMayReplace) {
        return new KafkaSettings(bootstrap, origin, fileMayReplace, userProperties, timeout, connectTimeout, notices);
    }

    /** The bootstrap servers and, unless they were given, where they came from: for messages. */
    public String where() {
        return origin == null ? bootstrap : bootstrap + " (" + origin + ")";
    }

    /** The same settings plus the client properties read from {@code file} (a .properties file). */
    public KafkaSettings withConfigFile(Path file) throws IOException {
        if (file == null) {
            return this;
        }
        KAFKA_CONFIG.check(file);
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        }
        Map<String, Object> merged = new HashMap<>(userProperties);
        props.forEach((k, v) -> merged.put(String.valueOf(k), String.valueOf(v)));
        String fileBootstrap = (String) merged.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        if (fileBootstrap != null && fileMayReplace) {
            return new KafkaSettings(fileBootstrap, origin == null ? null : "from bootstrap.servers in " + file, false,
                    merged, timeout, connectTimeout, notices);
        }
        return new KafkaSettings(bootstrap, origin, fileMayReplace, merged, timeout, connectTimeout, notices);
    }

    /** The same settings with another bound on remote calls (connect, metadata, admin requests). */
    public KafkaSettings withTimeout(Duration newTimeout) {
        return new KafkaSettings(bootstrap, origin, fileMayReplace, userProperties, BROKER_TIMEOUT.check(newTimeout),
                connectTimeout, notices);
    }

    /** The same settings with another bound on the first answer at start ({@link #requireReachable}). */
    public KafkaSettings withConnectTimeout(Duration value) {
        return new KafkaSettings(bootstrap, origin, fileMayReplace, userProperties, timeout, CONNECT_TIMEOUT.check(value),
                notices);
    }

    public String bootstrap() {
        return bootstrap;
    }

    public Duration timeout() {
        return timeout;
    }

    /** Properties every client gets: bootstrap plus the user's; may hold secrets. */
    public Map<String, Object> common() {
        Map<String, Object> config = new HashMap<>(userProperties);
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        // Fail over to a clear error instead of retrying forever against a dead address.
        config.putIfAbsent(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        return config;
    }

    public Map<String, Object> admin(String clientId) {
        Map<String, Object> config = common();
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId);
        int ms = (int) timeout.toMillis();
        config.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        config.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(ms, 15_000));
        return config;
    }

    public Map<String, Object> consumer(String clientId) {
        Map<String, Object> config = common();
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        config.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        config.putIfAbsent(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return config;
    }

    public Map<String, Object> producer(String clientId) {
        Map<String, Object> config = common();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        return config;
    }

    /**
     * An admin client, after checking that the bootstrap hosts have addresses.
     *
     * @throws KafkaUnreachableException with a one-line reason if no host resolves or the client
     *                                   cannot be made
     */
    public Admin newAdmin(String clientId) {
        requireResolvable();
        try {
            return Admin.create(admin(clientId));
        } catch (org.apache.kafka.common.KafkaException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new KafkaUnreachableException("cannot reach Kafka at " + where() + ": " + cause.getMessage(), e);
        }
    }

    /** Fails with a one-line reason if no bootstrap host has an address. */
    public void requireResolvable() {
        List<String> unknown = new java.util.ArrayList<>();
        for (String server : bootstrap.split(",")) {
            String host = server.substring(0, Math.max(0, server.lastIndexOf(':'))).replace("[", "").replace("]", "");
            try {
                java.net.InetAddress.getAllByName(host);
                return; // one is enough: the client finds the others
            } catch (java.net.UnknownHostException e) {
                unknown.add(host);
            }
        }
        throw new KafkaUnreachableException("cannot reach Kafka at " + where() + ": unknown host"
                + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown) + " (check --bootstrap)", null);
    }

    /**
     * Checks that the cluster answers within the connect timeout ({@link #CONNECT_TIMEOUT}, and never
     * longer than the timeout on remote calls).
     *
     * @throws KafkaUnreachableException with a one-line reason if it does not
     */
    public void requireReachable(Admin admin) {
        long ms = Math.min(connectTimeout.toMillis(), timeout.toMillis());
        try (Waiting ignored = Waiting.start(notices, "waiting for Kafka at " + bootstrap + ": connecting",
                Duration.ofMillis(ms))) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) ms)).nodes()
                    .get(ms + 2_000, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw notAnswering(ms, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw notAnswering(ms, e.getCause());
            }
            throw new KafkaUnreachableException("cannot reach Kafka at " + where() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KafkaUnreachableException("interrupted while connecting to " + bootstrap, e);
        }
    }

    private KafkaUnreachableException notAnswering(long ms, Throwable cause) {
        return new KafkaUnreachableException("cannot reach Kafka at " + where() + " within " + Math.round(ms / 1000.0)
                + " s (is a broker running? start one with the 'broker' command)", cause);
    }

    /** The same settings, telling {@code value} (e.g. standard error) whenever a call waits for Kafka. */
    public KafkaSettings withNotices(java.util.function.Consumer<String> value) {
        return new KafkaSettings(bootstrap, origin, fileMayReplace, userProperties, timeout, connectTimeout, value);
    }

    /**
     * Runs {@code call}, a call that waits for Kafka, saying so to the notices ({@link #withNotices}) if it
     * has not returned after a few seconds (and again every 10 s): {@code waiting for Kafka at H:P:
     * WHAT (no answer for 3 s; giving up after N s)}, N being the timeout on remote calls.
     */
    public <T> T waiting(String what, java.util.function.Supplier<T> call) {
        try (Waiting ignored = watch(what)) {
            return call.get();
        }
    }

    /** The watch {@link #waiting} keeps over a call; close it when the call returns. */
    public Waiting watch(String what) {
        return Waiting.start(notices, "waiting for Kafka at " + bootstrap + ": " + what, timeout);
    }

    /** A loggable description: bootstrap and property names, secrets masked. */
    public String describe() {
        StringBuilder sb = new StringBuilder(bootstrap);
        userProperties.keySet().stream().sorted().forEach(k -> sb.append(' ').append(k).append('=')
                .append(isSecret(k) ? "[hidden]" : userProperties.get(k)));
        return sb.toString();
    }

    static boolean isSecret(String key) {
        String lower = key.toLowerCase(java.util.Locale.ROOT);
        return SECRET_HINTS.stream().anyMatch(lower::contains);
    }
}
