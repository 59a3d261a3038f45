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
 */
public record ProduceRequest(String dataset, String topic, int partitions, double ratePerSecond) {

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
}
