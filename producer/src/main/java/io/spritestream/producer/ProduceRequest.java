package io.spritestream.producer;

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
 */
public record ProduceRequest(String dataset, String topic, int partitions, double ratePerSecond, boolean append) {

    public ProduceRequest(String dataset, String topic, int partitions, double ratePerSecond) {
        this(dataset, topic, partitions, ratePerSecond, false);
    }

    public ProduceRequest {
        SpriteRecords.requireValidDatasetName(dataset);
        topic = topic == null ? SpriteRecords.topicFor(dataset) : topic;
        if (partitions < 1 || partitions > 10_000) {
            throw new IllegalArgumentException("--partitions: " + partitions + " (expected 1..10000)");
        }
        if (ratePerSecond < 0 || Double.isNaN(ratePerSecond)) {
            throw new IllegalArgumentException("--rate: " + ratePerSecond + " (expected >= 0)");
        }
        Objects.requireNonNull(topic);
    }

    public static ProduceRequest of(String dataset) {
        return new ProduceRequest(dataset, null, 4, 0);
    }

    /** The same request, adding to the dataset's latest version. */
    public ProduceRequest appending() {
        return new ProduceRequest(dataset, topic, partitions, ratePerSecond, true);
    }

    /** The same request on another topic. */
    public ProduceRequest onTopic(String otherTopic) {
        return new ProduceRequest(dataset, otherTopic, partitions, ratePerSecond, append);
    }
}
