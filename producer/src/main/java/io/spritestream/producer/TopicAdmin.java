package io.spritestream.producer;

import io.spritestream.catalog.DatasetCatalog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The producer's questions to Kafka's admin client about a dataset's topic: create it (infinite
 * retention, the catalog's replication factor) unless it exists, wait until every partition has a
 * leader, read its end offsets.
 */
final class TopicAdmin {

    private TopicAdmin() {}

    static List<TopicPartition> ensureTopic(Admin admin, ProduceRequest request) {
        try {
            if (!admin.listTopics().names().get().contains(request.topic())) {
                short replication = DatasetCatalog.replicationFactor(admin);
                NewTopic topic = new NewTopic(request.topic(), request.partitions(), replication)
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
                                TopicConfig.RETENTION_BYTES_CONFIG, "-1"));
                try {
                    admin.createTopics(List.of(topic)).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            TopicDescription description = describeWhenReady(admin, request.topic());
            List<TopicPartition> partitions = new ArrayList<>();
            description.partitions().forEach(p -> partitions.add(new TopicPartition(request.topic(), p.partition())));
            return partitions;
        } catch (ExecutionException e) {
            throw new ProduceException("cannot create or describe topic " + request.topic() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProduceException("interrupted", e);
        }
    }

    /** Describes a topic, waiting for a just-created one to reach the broker's metadata. */
    static TopicDescription describeWhenReady(Admin admin, String topic) throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                if (description.partitions().stream().allMatch(p -> p.leader() != null)) {
                    return description;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new ProduceException("topic " + topic + " has partitions without a leader after 30 s", null);
            }
            // Metadata of a new topic reaches the broker within milliseconds; poll gently until it has.
            Thread.sleep(20);
        }
    }

    static Map<TopicPartition, Long> endOffsets(Admin admin, List<TopicPartition> partitions) {
        try {
            Map<TopicPartition, OffsetSpec> latest = partitions.stream()
                    .collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
                    admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS);
            return result.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (ExecutionException e) {
            throw new ProduceException("cannot read end offsets: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new ProduceException("timed out reading end offsets", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProduceException("interrupted", e);
        }
    }

}
