package io.spritestream.producer;

import io.spritestream.config.Setting;
import io.spritestream.record.SpriteRecords;
import java.util.Objects;

/**
 * What to produce: a dataset name, the topic (default {@code sprites.<dataset>}), the partition
 * count for a new topic, and an optional rate limit.
 *
 * @param dataset    dataset name
 * @param topic      topic to write to
 * @param partitions partitions of the topic if it must be created (an existing topic is kept)
 * @param ratePerSecond records per second, or 0 for as fast as possible
 * @param append     the new version is the previous version plus these records (else only these)
 * @param resume     finish an interrupted run: the records on the topic that no version covers are
 *                   kept (taken into the new version) and sprites whose keys are among them are not
 *                   sent again
 */
public record ProduceRequest(String dataset, String topic, int partitions, double ratePerSecond, boolean append,
                             boolean resume) {

    /** Partitions of a topic the producer creates. */
    public static final Setting<Integer> PARTITIONS = Setting.integer("partitions", 4, 1, 10_000,
            "Partitions of a new topic");
    /** Records per second at most (0: as fast as Kafka takes them). */
    public static final Setting<Double> RATE = Setting.of("rate", Double.class, 0.0, "0", v -> v != null && v >= 0,
            ">= 0", "Records per second at most; 0: as fast as Kafka takes them");

    public ProduceRequest(String dataset, String topic, int partitions, double ratePerSecond) {
        this(dataset, topic, partitions, ratePerSecond, false, false);
    }

    public ProduceRequest(String dataset, String topic, int partitions, double ratePerSecond, boolean append) {
        this(dataset, topic, partitions, ratePerSecond, append, false);
    }

    public ProduceRequest {
        SpriteRecords.requireValidDatasetName(dataset);
        topic = topic == null ? SpriteRecords.topicFor(dataset) : topic;
        PARTITIONS.check(partitions);
        RATE.check(ratePerSecond);
        Objects.requireNonNull(topic);
    }

    public static ProduceRequest of(String dataset) {
        return new ProduceRequest(dataset, null, PARTITIONS.defaultValue(), RATE.defaultValue());
    }

    /** The same request, adding to the dataset's latest version. */
    public ProduceRequest appending() {
        return new ProduceRequest(dataset, topic, partitions, ratePerSecond, true, resume);
    }

    /** The same request, finishing an interrupted run (see {@code resume}). */
    public ProduceRequest resuming() {
        return new ProduceRequest(dataset, topic, partitions, ratePerSecond, append, true);
    }

    /** The same request on another topic. */
    public ProduceRequest onTopic(String otherTopic) {
        return new ProduceRequest(dataset, otherTopic, partitions, ratePerSecond, append, resume);
    }
}
