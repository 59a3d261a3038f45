package io.spritestream.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * A real Kafka cluster of several KRaft nodes (each {@code broker,controller}) in this JVM, for
 * the fault tests: replication factor 3 and {@code min.insync.replicas=2} by default everywhere, so
 * losing one node loses nothing and losing two stops writes. Each node keeps its data directory
 * across {@link #stop(int)} and {@link #restart(int)} (same ports), so a node can be killed and
 * brought back. {@link #close()} stops every node and deletes the data.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {

    private static final String HOST = "127.0.0.1";

    private final List<EmbeddedKafka.Builder> builders = new ArrayList<>();
    private final EmbeddedKafka[] nodes;
    private final Path root;

    private EmbeddedKafkaCluster(int size) throws IOException {
        this.root = Files.createTempDirectory("embedded-kafka-cluster-");
        this.nodes = new EmbeddedKafka[size];
        int[] brokerPorts = new int[size];
        int[] controllerPorts = new int[size];
        List<Integer> taken = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            brokerPorts[i] = freePort(taken);
            controllerPorts[i] = freePort(taken);
        }
        StringBuilder voters = new StringBuilder();
        for (int i = 0; i < size; i++) {
            voters.append(i == 0 ? "" : ",").append(i + 1).append('@').append(HOST).append(':').append(controllerPorts[i]);
        }
        String clusterId = Uuid.randomUuid().toString();
        String rf = Integer.toString(Math.min(3, size));
        String minIsr = Integer.toString(Math.min(2, size));
        for (int i = 0; i < size; i++) {
            builders.add(EmbeddedKafka.builder().port(brokerPorts[i]).dataDir(root.resolve("node-" + (i + 1)))
                    .member(i + 1, controllerPorts[i], voters.toString(), clusterId)
                    .property("default.replication.factor", rf)
                    .property("min.insync.replicas", minIsr)
                    .property("offsets.topic.replication.factor", rf)
                    .property("transaction.state.log.replication.factor", rf)
                    .property("transaction.state.log.min.isr", minIsr)
                    .property("share.coordinator.state.topic.replication.factor", rf)
                    .property("share.coordinator.state.topic.min.isr", minIsr)
                    .property("num.network.threads", "1")
                    .property("num.io.threads", "2")
                    .property("background.threads", "2"));
        }
    }

    /** Starts {@code size} nodes together (a quorum needs a majority of them to elect a leader). */
    public static EmbeddedKafkaCluster start(int size) {
        EmbeddedKafkaCluster cluster;
        try {
            cluster = new EmbeddedKafkaCluster(size);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create the cluster's data directories", e);
        }
        List<CompletableFuture<EmbeddedKafka>> starting = new ArrayList<>();
        for (EmbeddedKafka.Builder builder : cluster.builders) {
            starting.add(CompletableFuture.supplyAsync(builder::start));
        }
        try {
            for (int i = 0; i < size; i++) {
                cluster.nodes[i] = starting.get(i).join();
            }
        } catch (RuntimeException e) {
            for (CompletableFuture<EmbeddedKafka> f : starting) {
                f.thenAccept(EmbeddedKafka::close);
            }
            cluster.deleteData();
            throw e;
        }
        return cluster;
    }

    /** Every running node's client address, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        List<String> addresses = new ArrayList<>();
        for (EmbeddedKafka node : nodes) {
            if (node != null) {
                addresses.add(node.bootstrapServers());
            }
        }
        return String.join(",", addresses);
    }

    /** How many nodes the cluster has (running or not). */
    public int size() {
        return nodes.length;
    }

    /** Stops node {@code id} (a clean shutdown); its data and ports are kept for {@link #restart(int)}. */
    public synchronized void stop(int id) {
        EmbeddedKafka node = nodes[id - 1];
        if (node != null) {
            node.close();
            nodes[id - 1] = null;
        }
    }

    /** Starts node {@code id} again on its data directory and ports. */
    public void restart(int id) {
        EmbeddedKafka started = builders.get(id - 1).start();
        synchronized (this) {
            nodes[id - 1] = started;
        }
    }

    /** The ids of the nodes running now. */
    public synchronized List<Integer> running() {
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < nodes.length; i++) {
            if (nodes[i] != null) {
                ids.add(i + 1);
            }
        }
        return ids;
    }

    @Override
    public synchronized void close() {
        List<CompletableFuture<Void>> stopping = new ArrayList<>();
        for (int i = 0; i < nodes.length; i++) {
            EmbeddedKafka node = nodes[i];
            nodes[i] = null;
            if (node != null) {
                stopping.add(CompletableFuture.runAsync(node::close));
            }
        }
        stopping.forEach(CompletableFuture::join);
        deleteData();
    }

    private void deleteData() {
        try (var all = Files.walk(root)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory: the system cleans it eventually
        }
    }

    private static int freePort(List<Integer> taken) {
        while (true) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                int port = socket.getLocalPort();
                if (!taken.contains(port)) {
                    taken.add(port);
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Could not find a free port on " + HOST, e);
            }
        }
    }
}
