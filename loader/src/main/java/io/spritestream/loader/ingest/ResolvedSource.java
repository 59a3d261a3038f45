package io.spritestream.loader.ingest;

import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.catalog.DatasetManifest;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * What a run reads, resolved to exact offsets: a dataset version's ranges, or a bare topic from its
 * beginning to the end offsets seen at start.
 *
 * @param topic    the topic
 * @param ranges   one range per partition
 * @param classes  class names known up front (the manifest's; empty for a bare topic)
 * @param manifest the dataset version, if the source is one
 * @param topicId  Kafka's id of the topic (a topic deleted and created again has another), or null
 *                 if not known
 */
public record ResolvedSource(String topic, List<OffsetRange> ranges, List<String> classes,
                             Optional<DatasetManifest> manifest, UUID topicId) {

    public ResolvedSource {
        ranges = List.copyOf(ranges);
        classes = List.copyOf(classes);
    }

    public ResolvedSource(String topic, List<OffsetRange> ranges, List<String> classes,
                          Optional<DatasetManifest> manifest) {
        this(topic, ranges, classes, manifest, null);
    }

    /** The same source, its topic's id known. */
    public ResolvedSource withTopicId(UUID id) {
        return new ResolvedSource(topic, ranges, classes, manifest, id);
    }

    /** Records in all ranges. */
    public long records() {
        return ranges.stream().mapToLong(OffsetRange::size).sum();
    }

    /** e.g. {@code demo@1 (sprites.demo, 20000 records)} or {@code topic sprites.x (500 records)}. */
    public String describe() {
        return manifest.map(m -> m.key() + " (" + topic + ", " + records() + " records)")
                .orElse("topic " + topic + " (" + records() + " records)");
    }
}
