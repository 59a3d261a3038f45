package io.spritestream.catalog;

import io.spritestream.kafka.KafkaSettings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;

/**
 * Records on a dataset topic that no version covers: what a {@code produce} that did not finish
 * (killed, or gave up) left behind. Per partition, the records after the furthest end any version
 * on the topic records (or, on a topic no version names, all of them).
 *
 * @param topic  the topic ({@code sprites.*} or one a version names; dead-letter topics are not)
 * @param after  the latest version on the topic, e.g. {@code demo@2}, or null if none names it
 * @param ranges partition to {@code [start, end)} of the records no version covers
 * @param count  how many records that is
 */
public record Unrecorded(String topic, String after, Map<Integer, long[]> ranges, long count) {

    /** Where a version on {@code topic} would have to start to cover them, per partition. */
    public Map<Integer, Long> starts() {
        Map<Integer, Long> starts = new TreeMap<>();
        ranges.forEach((p, r) -> starts.put(p, r[0]));
        return starts;
    }

    /**
     * The records outside every version, topic by topic (only topics that have some).
     *
     * @param manifests every version in the catalog
     */
    public static List<Unrecorded> find(KafkaSettings kafka, Admin admin, List<DatasetManifest> manifests)
            throws InterruptedException {
        long ms = kafka.timeout().toMillis();
        try {
            Set<String> names = admin.listTopics().names().get(ms, TimeUnit.MILLISECONDS);
            List<String> topics = names.stream()
                    .filter(t -> (t.startsWith("sprites.") && !t.endsWith(".dlq"))
                            || manifests.stream().anyMatch(m -> m.topic().equals(t)))
                    .sorted().collect(Collectors.toList());
            List<Unrecorded> found = new ArrayList<>();
            if (topics.isEmpty()) {
                return found;
            }
            Map<String, TopicDescription> described = admin.describeTopics(topics).allTopicNames()
                    .get(ms, TimeUnit.MILLISECONDS);
            for (String topic : topics) {
                unrecorded(admin, topic, described.get(topic), manifests, ms).ifPresent(found::add);
            }
            return found;
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read the topics' offsets: " + e.getMessage(), e);
        }
    }

    /** The records of {@code topic} outside every version, if any. */
    public static java.util.Optional<Unrecorded> of(KafkaSettings kafka, Admin admin, String topic,
                                                   List<DatasetManifest> manifests) throws InterruptedException {
        long ms = kafka.timeout().toMillis();
        try {
            TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(ms, TimeUnit.MILLISECONDS).get(topic);
            return unrecorded(admin, topic, description, manifests, ms);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot read " + topic + "'s offsets: " + e.getMessage(), e);
        }
    }

    private static java.util.Optional<Unrecorded> unrecorded(Admin admin, String topic, TopicDescription description,
                                                            List<DatasetManifest> manifests, long ms)
            throws ExecutionException, TimeoutException, InterruptedException {
        List<TopicPartition> partitions = description.partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
        Map<TopicPartition, Long> earliest = offsets(admin, partitions, OffsetSpec.earliest(), ms);
        Map<TopicPartition, Long> latest = offsets(admin, partitions, OffsetSpec.latest(), ms);
        List<DatasetManifest> onTopic = manifests.stream().filter(m -> m.topic().equals(topic)).toList();
        Map<Integer, long[]> ranges = new TreeMap<>();
        long count = 0;
        for (TopicPartition tp : partitions) {
            long covered = earliest.get(tp);
            for (DatasetManifest m : onTopic) {
                long[] range = m.partitions().get(String.valueOf(tp.partition()));
                if (range != null) {
                    covered = Math.max(covered, range[1]);
                }
            }
            long end = latest.get(tp);
            if (end > covered) {
                ranges.put(tp.partition(), new long[] {covered, end});
                count += end - covered;
            }
        }
        if (count == 0) {
            return java.util.Optional.empty();
        }
        String after = onTopic.stream().max(Comparator.comparing(DatasetManifest::created))
                .map(DatasetManifest::key).orElse(null);
        return java.util.Optional.of(new Unrecorded(topic, after, ranges, count));
    }

    private static Map<TopicPartition, Long> offsets(Admin admin, List<TopicPartition> partitions, OffsetSpec spec,
                                                     long ms)
            throws ExecutionException, TimeoutException, InterruptedException {
        Map<TopicPartition, OffsetSpec> asked = new HashMap<>();
        partitions.forEach(tp -> asked.put(tp, spec));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> info = admin.listOffsets(asked).all()
                .get(ms, TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> offsets = new HashMap<>();
        info.forEach((tp, i) -> offsets.put(tp, i.offset()));
        return offsets;
    }
}
