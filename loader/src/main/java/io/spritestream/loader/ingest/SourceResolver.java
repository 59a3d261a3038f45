package io.spritestream.loader.ingest;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Resolves what a run reads to exact offsets: {@code --dataset NAME[@V]} to the version's ranges,
 * {@code --topic T} to its beginning and the end offsets seen now. Fails with a one-line message
 * (listing what exists) when the dataset or topic does not, and within the settings' timeout when
 * Kafka cannot be reached.
 */
public final class SourceResolver {

    private final KafkaSettings kafka;

    public SourceResolver(KafkaSettings kafka) {
        this.kafka = kafka;
    }

    /**
     * What a run reads: {@code ranges} of {@code topic} when given (a time window, or a resumed
     * state's ranges; with the dataset version's classes when {@code dataset} is known), else the
     * dataset version, else the bare topic.
     *
     * @param dataset a dataset version, or null
     * @param topic   a bare topic, or null (with {@code ranges}: their topic)
     * @param ranges  exact ranges, or null
     */
    public ResolvedSource resolve(DatasetRef dataset, String topic, List<OffsetRange> ranges) {
        // One admin client for every question (a client costs a connection and its start-up).
        try (Admin admin = kafka.newAdmin("spritestream-resolver")) {
            kafka.requireReachable(admin);
            ResolvedSource source;
            if (ranges != null) {
                ResolvedSource known = dataset != null ? datasetVersion(dataset) : null;
                source = new ResolvedSource(topic, ranges, known == null ? List.of() : known.classes(),
                        known == null ? Optional.empty() : known.manifest());
            } else {
                source = dataset != null ? datasetVersion(dataset) : topic(topic, admin);
            }
            return source.topicId() != null ? source : source.withTopicId(topicId(source.topic(), admin));
        }
    }

    private java.util.UUID topicId(String topic, Admin admin) {
        try {
            TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(kafka.timeout().toMillis(), TimeUnit.MILLISECONDS).get(topic);
            return new java.util.UUID(d.topicId().getMostSignificantBits(), d.topicId().getLeastSignificantBits());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException("topic '" + topic + "' does not exist (any more)");
            }
            throw new IllegalStateException("cannot describe topic '" + topic + "': " + e.getCause().getMessage(), e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot describe topic '" + topic + "' within " + kafka.timeout().toSeconds()
                    + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public ResolvedSource dataset(DatasetRef ref) {
        try (Admin admin = kafka.newAdmin("spritestream-resolver")) {
            kafka.requireReachable(admin);
            return datasetVersion(ref);
        }
    }

    private ResolvedSource datasetVersion(DatasetRef ref) {
        DatasetManifest manifest = new DatasetCatalog(kafka).resolve(ref);
        List<OffsetRange> ranges = new ArrayList<>();
        manifest.partitions().forEach((p, r) -> ranges.add(new OffsetRange(Integer.parseInt(p), r[0], r[1])));
        return new ResolvedSource(manifest.topic(), ranges, manifest.classes(), Optional.of(manifest));
    }

    public ResolvedSource topic(String topic) {
        try (Admin admin = kafka.newAdmin("spritestream-resolver")) {
            kafka.requireReachable(admin);
            return topic(topic, admin);
        }
    }

    private ResolvedSource topic(String topic, Admin admin) {
        try {
            TopicDescription description;
            try {
                description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(kafka.timeout().toMillis(), TimeUnit.MILLISECONDS).get(topic);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    throw new IllegalStateException("topic '" + topic + "' does not exist; sprite topics: "
                            + spriteTopics(admin));
                }
                throw e;
            }
            List<TopicPartition> partitions = description.partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            Map<TopicPartition, ListOffsetsResultInfo> earliest = admin.listOffsets(partitions.stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.earliest()))).all().get();
            Map<TopicPartition, ListOffsetsResultInfo> latest = admin.listOffsets(partitions.stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()))).all().get();
            List<OffsetRange> ranges = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                ranges.add(new OffsetRange(tp.partition(), earliest.get(tp).offset(), latest.get(tp).offset()));
            }
            ranges.sort(java.util.Comparator.comparingInt(OffsetRange::partition));
            return new ResolvedSource(topic, ranges, List.of(), Optional.empty(), new java.util.UUID(
                    description.topicId().getMostSignificantBits(), description.topicId().getLeastSignificantBits()));
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot read topic '" + topic + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * A window of a bare topic: per partition, from the given offset (or the first record at or after
     * {@code since}, or the beginning) to the first record at or after {@code until} (or the end now).
     *
     * @param since       inclusive start time, or null
     * @param until       exclusive end time, or null
     * @param fromOffsets start offsets by partition (they win over {@code since}); may be empty
     */
    public ResolvedSource window(String topic, java.time.Instant since, java.time.Instant until,
                                 Map<Integer, Long> fromOffsets) {
        ResolvedSource whole = topic(topic);
        for (Integer p : fromOffsets.keySet()) {
            if (whole.ranges().stream().noneMatch(r -> r.partition() == p)) {
                throw InvalidSettingException.format("{from-offsets}: partition %s (topic %s has partitions 0..%s)", p, topic,
                        whole.ranges().size() - 1);
            }
        }
        try (Admin admin = kafka.newAdmin("spritestream-resolver")) {
            Map<TopicPartition, Long> starts = since == null ? Map.of() : offsetsAt(admin, topic, whole.ranges(), since);
            Map<TopicPartition, Long> ends = until == null ? Map.of() : offsetsAt(admin, topic, whole.ranges(), until);
            List<OffsetRange> ranges = new ArrayList<>();
            for (OffsetRange r : whole.ranges()) {
                TopicPartition tp = new TopicPartition(topic, r.partition());
                long start = fromOffsets.containsKey(r.partition()) ? fromOffsets.get(r.partition())
                        : starts.getOrDefault(tp, r.start());
                long end = ends.getOrDefault(tp, r.end());
                start = Math.max(r.start(), Math.min(start, r.end()));
                end = Math.max(start, Math.min(end, r.end()));
                ranges.add(new OffsetRange(r.partition(), start, end));
            }
            return new ResolvedSource(topic, ranges, List.of(), Optional.empty());
        }
    }

    /** Per partition, the first offset whose record time is at or after {@code time} (the end if none). */
    private Map<TopicPartition, Long> offsetsAt(Admin admin, String topic, List<OffsetRange> ranges, java.time.Instant time) {
        try {
            Map<TopicPartition, OffsetSpec> query = ranges.stream().collect(Collectors.toMap(
                    r -> new TopicPartition(topic, r.partition()), r -> OffsetSpec.forTimestamp(time.toEpochMilli())));
            Map<TopicPartition, ListOffsetsResultInfo> found = admin.listOffsets(query).all()
                    .get(kafka.timeout().toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, Long> offsets = new java.util.HashMap<>();
            for (OffsetRange r : ranges) {
                TopicPartition tp = new TopicPartition(topic, r.partition());
                long offset = found.get(tp).offset();
                offsets.put(tp, offset < 0 ? r.end() : offset);
            }
            return offsets;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot look up offsets by time in '" + topic + "': " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String spriteTopics(Admin admin) {
        try {
            List<String> names = admin.listTopics().names().get().stream()
                    .filter(n -> n.startsWith("sprites.") && !n.endsWith(".dlq")).sorted().collect(Collectors.toList());
            return names.isEmpty() ? "(none)" : String.join(", ", names);
        } catch (ExecutionException | InterruptedException e) {
            return "(cannot list)";
        }
    }
}
