package io.spritestream.catalog;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.record.SpriteRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The dataset catalog: every dataset version's manifest, kept in the compacted topic
 * {@code spritestream.catalog} under the key {@code <dataset>@<version>}.
 *
 * <p>Each method opens and closes its own short-lived clients; the class holds no connection and
 * is thread-safe.
 */
public final class DatasetCatalog {

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final KafkaSettings kafka;
    private final Consumer<String> warnings;

    /** A catalog that reports skipped entries on {@code System.err}. */
    public DatasetCatalog(KafkaSettings kafka) {
        this(kafka, System.err::println);
    }

    /**
     * A catalog that reports each skipped (unreadable) entry to {@code warnings}, one line each, so a
     * command can print them where it prints its other messages.
     */
    public DatasetCatalog(KafkaSettings kafka, Consumer<String> warnings) {
        this.kafka = kafka;
        this.warnings = warnings;
    }

    /** Creates the compacted catalog topic if it does not exist. */
    public void ensureTopic(Admin admin) {
        try {
            if (admin.listTopics().names().get().contains(SpriteRecords.CATALOG_TOPIC)) {
                return;
            }
            short replication = replicationFactor(admin);
            NewTopic topic = new NewTopic(SpriteRecords.CATALOG_TOPIC, 1, replication)
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            admin.createTopics(List.of(topic)).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create " + SpriteRecords.CATALOG_TOPIC + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Replication factor for new topics: 3, or fewer on a smaller cluster. */
    public static short replicationFactor(Admin admin) throws ExecutionException, InterruptedException {
        int brokers = admin.describeCluster().nodes().get().size();
        return (short) Math.max(1, Math.min(3, brokers));
    }

    /** Writes {@code manifest} and waits until the broker acknowledged it. */
    public void publish(DatasetManifest manifest) {
        Map<String, Object> config = kafka.producer("spritestream-catalog-writer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> producer =
                     new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(SpriteRecords.CATALOG_TOPIC, manifest.key(), toJson(manifest)))
                    .get(kafka.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot write manifest " + manifest.key() + ": "
                    + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot write manifest " + manifest.key() + " within "
                    + kafka.timeout().toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Every manifest in the catalog (the latest value of each key), sorted by dataset then version.
     * An absent catalog topic is an empty catalog. Unreadable values are skipped with a warning (see
     * the constructor): a foreign record must not make every dataset unreadable.
     */
    public List<DatasetManifest> list() {
        return kafka.waiting("reading the catalog " + SpriteRecords.CATALOG_TOPIC, this::read);
    }

    private List<DatasetManifest> read() {
        Map<String, Object> config = kafka.consumer("spritestream-catalog-reader");
        // Raw values: only each key's latest value is parsed, so a superseded or deleted entry
        // neither warns nor hides what replaced it.
        Map<String, byte[]> latest = new LinkedHashMap<>();
        // The catalog is read to its end and no further: the broker must not hold a fetch past it.
        config.putIfAbsent(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 10);
        KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        try {
            List<PartitionInfo> infos = consumer.listTopics(kafka.timeout()).get(SpriteRecords.CATALOG_TOPIC);
            if (infos == null || infos.isEmpty()) {
                return List.of();
            }
            List<TopicPartition> partitions = infos.stream()
                    .map(i -> new TopicPartition(i.topic(), i.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, kafka.timeout());
            Map<TopicPartition, Long> remaining = new HashMap<>(end);
            remaining.entrySet().removeIf(e -> e.getValue() == 0);
            long deadline = System.nanoTime() + kafka.timeout().toNanos();
            while (!remaining.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading " + SpriteRecords.CATALOG_TOPIC);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() == null) {
                        continue;
                    }
                    if (r.value() == null) {
                        latest.remove(r.key());
                    } else {
                        latest.put(r.key(), r.value());
                    }
                }
                remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        } finally {
            // No group, nothing to commit: do not wait for the broker to answer the fetch in flight.
            consumer.close(CloseOptions.timeout(Duration.ZERO));
        }
        List<DatasetManifest> all = new ArrayList<>();
        latest.forEach((key, value) -> parse(key, value).ifPresent(all::add));
        all.sort(Comparator.comparing(DatasetManifest::dataset).thenComparingInt(DatasetManifest::version));
        return all;
    }

    /** The latest version of {@code dataset}, if it has one. */
    public Optional<DatasetManifest> latest(String dataset) {
        return list().stream().filter(m -> m.dataset().equals(dataset)).max(Comparator.comparingInt(DatasetManifest::version));
    }

    /** The number the next version of {@code dataset} gets: one past its latest, 1 for a new dataset. */
    public int nextVersion(String dataset) {
        return latest(dataset).map(m -> m.version() + 1).orElse(1);
    }

    /** The version {@code ref} names (or the latest one), if the catalog has it. */
    public Optional<DatasetManifest> find(DatasetRef ref) {
        return select(list(), ref);
    }

    /** Picks the version {@code ref} names from {@code manifests}. */
    public static Optional<DatasetManifest> select(List<DatasetManifest> manifests, DatasetRef ref) {
        return manifests.stream()
                .filter(m -> m.dataset().equals(ref.name()))
                .filter(m -> ref.version().isEmpty() || m.version() == ref.version().getAsInt())
                .max(Comparator.comparingInt(DatasetManifest::version));
    }

    /**
     * Resolves {@code ref} or fails with a one-line message that lists what the catalog does have.
     *
     * @throws DatasetNotFoundException when no such dataset or version exists
     */
    public DatasetManifest resolve(DatasetRef ref) {
        List<DatasetManifest> all = list();
        return select(all, ref).orElseThrow(() -> new DatasetNotFoundException(ref, all));
    }

    public static String toJson(DatasetManifest manifest) {
        try {
            return JSON.writeValueAsString(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static DatasetManifest fromJson(byte[] json) throws IOException {
        return JSON.readValue(json, DatasetManifest.class);
    }

    private Optional<DatasetManifest> parse(String key, byte[] value) {
        try {
            return Optional.of(fromJson(value));
        } catch (IOException | RuntimeException e) {
            // A value that parses but breaks a rule of the manifest (a class with a newline) says which.
            Throwable why = e.getCause() instanceof IllegalArgumentException rule ? rule : e;
            warnings.accept("warning: skipping unreadable catalog entry '" + io.spritestream.cli.Printable.of(key) + "': "
                    + io.spritestream.cli.Printable.of(String.valueOf(why.getMessage())));
            return Optional.empty();
        }
    }
}
