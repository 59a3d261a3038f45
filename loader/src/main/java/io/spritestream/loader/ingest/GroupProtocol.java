package io.spritestream.loader.ingest;

/**
 * The consumer group protocol of a live tail's members ({@code group.protocol}), a trade-off
 * between how soon a dead member's partitions move and who decides it (see {@link GroupMembership}).
 */
public enum GroupProtocol {
    /**
     * The client-driven protocol, with the cooperative sticky assignor (incremental: a member keeps
     * its other partitions while one moves); each member states its own session timeout, within the
     * broker's {@code group.min.session.timeout.ms} (default 6 s) and {@code group.max.session.timeout.ms}.
     */
    CLASSIC,
    /**
     * KIP-848's protocol (Kafka 4): the broker assigns, incrementally, without a group-wide
     * barrier; the session timeout is the cluster's ({@code group.consumer.session.timeout.ms},
     * default 45 s, or the group's {@code consumer.session.timeout.ms}, no lower than
     * {@code group.consumer.min.session.timeout.ms}, default 45 s): the client cannot shorten it.
     */
    CONSUMER;

    /** The value of {@code group.protocol}. */
    public String kafkaName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
