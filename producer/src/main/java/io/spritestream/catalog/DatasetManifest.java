package io.spritestream.catalog;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.spritestream.record.LabelRule;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One version of a dataset: exact offset ranges of a topic, so an epoch is well defined even while
 * the topic keeps growing. Written by the producer to {@code spritestream.catalog} under the key
 * {@code <dataset>@<version>}; its JSON form is the record value.
 *
 * @param dataset    dataset name
 * @param version    1, 2, ... in order of creation
 * @param topic      topic holding the records
 * @param partitions partition number (as a string, JSON object keys) to {@code [start, end)} offsets
 * @param count      number of records in the ranges
 * @param classes    class names, each a class name ({@link LabelRule}) and listed once; a label's
 *                   index in this list is its label id
 * @param created    ISO-8601 instant of creation
 */
public record DatasetManifest(
        @JsonProperty("dataset") String dataset,
        @JsonProperty("version") int version,
        @JsonProperty("topic") String topic,
        @JsonProperty("partitions") Map<String, long[]> partitions,
        @JsonProperty("count") long count,
        @JsonProperty("classes") List<String> classes,
        @JsonProperty("created") String created) {

    public DatasetManifest {
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(topic, "topic");
        partitions = new TreeMap<>(Objects.requireNonNull(partitions, "partitions"));
        classes = List.copyOf(Objects.requireNonNull(classes, "classes"));
        requireClassNames(classes);
        for (Map.Entry<String, long[]> e : partitions.entrySet()) {
            long[] range = e.getValue();
            if (range == null || range.length != 2 || range[0] < 0 || range[1] < range[0]) {
                throw new IllegalArgumentException("partitions." + e.getKey()
                        + ": expected [start, end) with 0 <= start <= end");
            }
        }
    }

    /**
     * Each class a class name ({@link LabelRule}), none twice: a line of {@code classes.txt} and
     * {@code synset.txt} per class, a label id a line number.
     */
    private static void requireClassNames(List<String> classes) {
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int i = 0; i < classes.size(); i++) {
            String problem = LabelRule.problem(classes.get(i));
            if (problem != null) {
                throw new IllegalArgumentException("classes[" + i + "]: " + problem);
            }
            if (!seen.add(classes.get(i))) {
                throw new IllegalArgumentException("classes[" + i + "]: \"" + classes.get(i) + "\" is there twice (a class "
                        + "is listed once: its position is its label id)");
            }
        }
    }

    /** The catalog key of this version: {@code <dataset>@<version>}. */
    @JsonIgnore
    public String key() {
        return dataset + "@" + version;
    }

    /** Sum of the ranges' lengths (equals {@link #count} when only the producer wrote the topic). */
    @JsonIgnore
    public long rangeSize() {
        return partitions.values().stream().mapToLong(r -> r[1] - r[0]).sum();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DatasetManifest m)) {
            return false;
        }
        if (version != m.version || count != m.count || !dataset.equals(m.dataset) || !topic.equals(m.topic)
                || !classes.equals(m.classes) || !Objects.equals(created, m.created)
                || !partitions.keySet().equals(m.partitions.keySet())) {
            return false;
        }
        return partitions.entrySet().stream()
                .allMatch(e -> java.util.Arrays.equals(e.getValue(), m.partitions.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataset, version, topic, count);
    }

    @Override
    public String toString() {
        StringBuilder ranges = new StringBuilder();
        partitions.forEach((p, r) -> ranges.append(ranges.length() == 0 ? "" : ", ")
                .append(p).append(":[").append(r[0]).append(',').append(r[1]).append(')'));
        return key() + " {topic=" + topic + ", count=" + count + ", classes=" + classes.size()
                + ", ranges=" + ranges + ", created=" + created + "}";
    }
}
