package io.spritestream.loader.ingest;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;

/**
 * How a live tail's member takes part in its consumer group: the protocol, and with the classic
 * one the session timeout, which is how long a member that died without leaving (SIGKILL, a lost
 * machine) keeps its partitions before a survivor gets them.
 *
 * <p>Measured on the embedded broker (Kafka 4.1.1, a member SIGKILLed, time until the survivor
 * held its partitions and committed past its records): the consumer protocol with the broker's
 * defaults 46.5 s; the classic protocol with a 10 s session 10.0 s. Immutable.
 *
 * @param protocol       the group protocol
 * @param sessionTimeout the classic protocol's session timeout (heartbeats every third of it); null
 *                       with the consumer protocol, whose session timeout is the cluster's
 */
public record GroupMembership(GroupProtocol protocol, Duration sessionTimeout) {

    /** The classic protocol with this session timeout: a dead member's partitions move after it. */
    public static GroupMembership classic(Duration sessionTimeout) {
        return new GroupMembership(GroupProtocol.CLASSIC, Objects.requireNonNull(sessionTimeout, "sessionTimeout"));
    }

    /** The consumer protocol: the cluster's session timeout. */
    public static GroupMembership consumerProtocol() {
        return new GroupMembership(GroupProtocol.CONSUMER, null);
    }

    public GroupMembership {
        Objects.requireNonNull(protocol, "protocol");
        if (protocol == GroupProtocol.CONSUMER && sessionTimeout != null) {
            throw new IllegalArgumentException("the consumer protocol's session timeout is the cluster's");
        }
    }

    /**
     * Adds the group settings to a consumer's {@code config}, leaving those the user's client
     * properties ({@code --kafka-config}) set: their {@code group.protocol} wins, and the classic
     * settings go in only when the protocol is classic (the consumer protocol's client refuses them).
     */
    void addTo(Map<String, Object> config) {
        config.putIfAbsent(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.kafkaName());
        boolean classic = GroupProtocol.CLASSIC.kafkaName()
                .equalsIgnoreCase(String.valueOf(config.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG)));
        if (classic) {
            config.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
            if (sessionTimeout != null) {
                int ms = (int) sessionTimeout.toMillis();
                config.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, ms);
                config.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, Math.max(1, ms / 3));
            }
        }
    }
}
