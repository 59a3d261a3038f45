package io.spritestream.producer;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.SettingText;
import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.producer.source.Sprite;
import io.spritestream.producer.source.SpriteSource;
import io.spritestream.record.SpriteRecords;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Streams a {@link SpriteSource} to Kafka, one record per sprite, and records the finished stream
 * as a new dataset version in the catalog.
 *
 * <p>The topic is created if missing (infinite retention). The producer is idempotent with
 * {@code acks=all}, so a retried send neither loses nor duplicates a record. The version's ranges
 * are the topic's end offsets before and after the stream: if another producer writes to the same
 * topic at the same time, its records fall inside the ranges too.
 *
 * <p>One call at a time per instance; {@link #produce} blocks until the manifest is written.
 */
public final class SpriteProducer {

    private static final String NO_VERSION = "no dataset version was recorded; the records sent stay on the topic "
            + "outside any version, and producing again sends them again";
    /** Silence from the broker, with records in flight, after which the run says it is waiting. */
    private static final long SAY_WAITING_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final KafkaSettings kafka;
    private final ProduceListener listener;
    private java.util.function.Consumer<String> notices = message -> { };

    public SpriteProducer(KafkaSettings kafka) {
        this(kafka, ProduceListener.NONE);
    }

    /** A producer that tells {@code listener} about each record and its Kafka client (for metrics). */
    public SpriteProducer(KafkaSettings kafka, ProduceListener listener) {
        this.kafka = kafka;
        this.listener = java.util.Objects.requireNonNull(listener, "listener");
    }

    /**
     * Sends every sprite of {@code source} and writes the dataset manifest.
     *
     * @param progress told the number of records acknowledged so far (may be called from a Kafka
     *                 I/O thread); pass {@code n -> {}} for none
     * @throws ProduceException if any record could not be written (then no manifest is written)
     */
    public ProduceResult produce(SpriteSource source, ProduceRequest asked, LongConsumer progress)
            throws IOException {
        long called = System.nanoTime();
        DatasetCatalog catalog = new DatasetCatalog(kafka);
        List<TopicPartition> partitions;
        Map<TopicPartition, Long> start;
        DatasetManifest previous;
        ProduceRequest request;
        List<ProduceLease> leases = new ArrayList<>();
        try {
            try (Admin admin = kafka.newAdmin("spritestream-producer-admin");
                 io.spritestream.kafka.Waiting preparing = reachableThenWatch(admin, asked)) {
                catalog.ensureTopic(admin);
                // One run per dataset and per topic at a time: its version then holds exactly its records.
                leases.add(ProduceLease.acquire(kafka, admin, "dataset." + asked.dataset(), "dataset " + asked.dataset()));
                previous = asked.append() ? latest(catalog, asked.dataset()) : null;
                request = previous == null ? asked : appendingTo(previous, asked);
                leases.add(ProduceLease.acquire(kafka, admin, "topic." + request.topic(), "topic " + request.topic()));
                partitions = ensureTopic(admin, request);
                start = endOffsets(admin, partitions);
                if (request.resume()) {
                    Kept kept = keep(admin, catalog, request, start);
                    return send(kept.source(source), request, previous, catalog, partitions, start,
                            n -> progress.accept(n + kept.skipped()), called, leases, kept.count());
                }
            }
            return send(source, request, previous, catalog, partitions, start, progress, called, leases, 0);
        } finally {
            for (ProduceLease lease : leases) {
                lease.close();
            }
        }
    }

    private ProduceResult send(SpriteSource source, ProduceRequest request, DatasetManifest previous,
                               DatasetCatalog catalog, List<TopicPartition> partitions, Map<TopicPartition, Long> start,
                               LongConsumer progress, long called, List<ProduceLease> leases, long keptRecords)
            throws IOException {

        long began = System.nanoTime();
        AtomicLong acked = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        byte[] datasetHeader = SpriteRecords.utf8(request.dataset());
        AtomicLong sent = new AtomicLong();
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                new ByteArraySerializer());
        Silence silence = new Silence(producer, acked, failed, sent);
        boolean clean = false;
        listener.clientOpened(producer);
        try {
            source.forEach(sprite -> {
                if (firstError.get() != null || silence.gaveUp()) {
                    throw new org.apache.kafka.common.KafkaException("stopped sending after the first failure");
                }
                pace(request.ratePerSecond(), began, sent.get());
                long sentAt = System.nanoTime();
                producer.send(toRecord(request.topic(), sprite, datasetHeader), (meta, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        firstError.compareAndSet(null, error);
                        listener.failed(System.nanoTime() - sentAt);
                    } else {
                        bytes.addAndGet(sprite.bytes().length);
                        listener.acknowledged(sprite.bytes().length, System.nanoTime() - sentAt);
                        silence.heard();
                        progress.accept(acked.incrementAndGet());
                    }
                });
                sent.incrementAndGet();
            });
            producer.flush();
            clean = firstError.get() == null && !silence.gaveUp();
        } catch (org.apache.kafka.common.KafkaException | IllegalStateException e) {
            if (!silence.gaveUp() && firstError.get() == null) {
                throw new ProduceException("gave up: " + e.getMessage() + " (" + acked.get() + " of " + sent.get()
                        + " records acknowledged; " + NO_VERSION + ")", e);
            }
        } finally {
            silence.stop();
            listener.clientClosed(producer);
            producer.close(clean ? java.time.Duration.ofSeconds(30) : java.time.Duration.ZERO);
        }
        if (silence.gaveUp()) {
            throw new ProduceException("gave up: Kafka at " + kafka.bootstrap() + " acknowledged nothing for "
                    + kafka.timeout().toSeconds() + " s (--broker-timeout) with records in flight (" + acked.get() + " of "
                    + sent.get() + " records acknowledged; " + NO_VERSION + ")", null);
        }
        double sendingSeconds = (System.nanoTime() - began) / 1e9;
        if (firstError.get() != null) {
            throw new ProduceException("gave up at the first record Kafka did not take: " + firstError.get().getMessage()
                    + " (" + acked.get() + " of " + sent.get() + " records acknowledged, " + failed.get() + " failed; "
                    + NO_VERSION + ")", firstError.get());
        }

        Map<TopicPartition, Long> end;
        int version;
        try (Admin admin = kafka.newAdmin("spritestream-producer-admin")) {
            end = endOffsets(admin, partitions);
        }
        version = catalog.list().stream().filter(m -> m.dataset().equals(request.dataset()))
                .mapToInt(DatasetManifest::version).max().orElse(0) + 1;
        Map<String, long[]> ranges = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            long from = start.get(tp);
            if (previous != null && previous.partitions().containsKey(String.valueOf(tp.partition()))) {
                from = previous.partitions().get(String.valueOf(tp.partition()))[0];
            }
            ranges.put(String.valueOf(tp.partition()), new long[] {from, end.get(tp)});
        }
        for (ProduceLease lease : leases) {
            if (lease.lost()) {
                throw new ProduceException("lost the hold on " + lease.what() + " while sending (a pause longer than "
                        + ProduceLease.SESSION_TIMEOUT.toSeconds() + " s?): another run may have written meanwhile, so no "
                        + "version was recorded; produce again", null);
            }
        }
        List<String> classes = new ArrayList<>(previous == null ? List.of() : previous.classes());
        source.classes().stream().filter(c -> !classes.contains(c)).forEach(classes::add);
        long count = acked.get() + keptRecords + (previous == null ? 0 : previous.count());
        DatasetManifest manifest = new DatasetManifest(request.dataset(), version, request.topic(), ranges,
                count, classes, Instant.now().toString());
        catalog.publish(manifest);
        return new ProduceResult(manifest, acked.get(), bytes.get(), (System.nanoTime() - called) / 1e9,
                sendingSeconds);
    }

    /** The request on the topic of the version it appends to. */
    private static ProduceRequest appendingTo(DatasetManifest previous, ProduceRequest asked) {
        if (!asked.topic().equals(previous.topic()) && !asked.topic().equals(SpriteRecords.topicFor(asked.dataset()))) {
            throw InvalidSettingException.format("{topic}: %s (appending to %s, whose records are in %s)", asked.topic(),
                    previous.key(), previous.topic());
        }
        return asked.onTopic(previous.topic());
    }

    private static DatasetManifest latest(DatasetCatalog catalog, String dataset) {
        return catalog.list().stream().filter(m -> m.dataset().equals(dataset))
                .max(java.util.Comparator.comparingInt(DatasetManifest::version))
                .orElseThrow(() -> new ProduceException(SettingText.format(
                        "{append}: dataset '%s' has no version yet (produce it once without {append})", dataset), null));
    }

    private Map<String, Object> producerConfig() {
        Map<String, Object> config = kafka.producer("spritestream-producer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        // Retries ride out a broker restart; past this, the run ends with a clear error.
        config.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(120_000, kafka.timeout().toMillis()));
        // PNG bytes are already compressed.
        config.putIfAbsent(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        return config;
    }

    private static ProducerRecord<String, byte[]> toRecord(String topic, Sprite sprite, byte[] dataset) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(SpriteRecords.LABEL, SpriteRecords.utf8(sprite.label())));
        headers.add(new RecordHeader(SpriteRecords.CONTENT_TYPE, SpriteRecords.utf8(sprite.contentType())));
        headers.add(new RecordHeader(SpriteRecords.DATASET, dataset));
        return new ProducerRecord<>(topic, null, sprite.key(), sprite.bytes(), headers);
    }

    /** Waits until record {@code index} is due at {@code rate} records/s since {@code began}. */
    private static void pace(double rate, long began, long index) {
        if (rate <= 0) {
            return;
        }
        long due = began + (long) (index * 1e9 / rate);
        long wait;
        while ((wait = due - System.nanoTime()) > 0) {
            LockSupport.parkNanos(wait);
        }
    }

    private static List<TopicPartition> ensureTopic(Admin admin, ProduceRequest request) {
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

    /** Checks that Kafka answers (saying so while it waits), then watches the rest of the preparation. */
    private io.spritestream.kafka.Waiting reachableThenWatch(Admin admin, ProduceRequest asked) {
        kafka.requireReachable(admin);
        return kafka.watch("preparing dataset " + asked.dataset() + " (catalog, topic, one writer at a time)");
    }

    /**
     * For {@code --resume}: the records on the topic that no version covers (what an interrupted run
     * left) become part of the new version, which then starts where they start, and the sprites
     * whose keys they hold are not sent again.
     */
    private Kept keep(Admin admin, DatasetCatalog catalog, ProduceRequest request, Map<TopicPartition, Long> start)
            throws IOException {
        java.util.Optional<io.spritestream.catalog.Unrecorded> left;
        try {
            left = io.spritestream.catalog.Unrecorded.of(kafka, admin, request.topic(), catalog.list());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProduceException("interrupted while looking for an unfinished run's records", e);
        }
        if (left.isEmpty()) {
            notices.accept("resume: no records on " + request.topic() + " outside a version; producing everything");
            return new Kept(java.util.Set.of(), 0);
        }
        left.get().starts().forEach((p, from) -> start.put(new TopicPartition(request.topic(), p), from));
        java.util.Set<String> keys = keysIn(request.topic(), left.get().ranges(), request.dataset());
        notices.accept("resume: keeping the " + left.get().count() + " records an unfinished run left on "
                + request.topic() + "; sprites with their keys (" + keys.size() + ") are not sent again");
        return new Kept(keys, left.get().count());
    }

    /** The keys of the records of {@code dataset} in {@code ranges} of {@code topic}. */
    private java.util.Set<String> keysIn(String topic, Map<Integer, long[]> ranges, String dataset) {
        java.util.Set<String> keys = new java.util.HashSet<>();
        Map<TopicPartition, Long> remaining = new java.util.HashMap<>();
        ranges.forEach((p, r) -> remaining.put(new TopicPartition(topic, p), r[1]));
        try (org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]> consumer =
                     new org.apache.kafka.clients.consumer.KafkaConsumer<>(kafka.consumer("spritestream-producer-resume"),
                             new org.apache.kafka.common.serialization.StringDeserializer(),
                             new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.assign(remaining.keySet());
            ranges.forEach((p, r) -> consumer.seek(new TopicPartition(topic, p), r[0]));
            long deadline = System.nanoTime() + kafka.timeout().toNanos();
            while (!remaining.isEmpty()) {
                if (System.nanoTime() > deadline) {
                    throw new ProduceException("timed out reading the unfinished run's records on " + topic, null);
                }
                for (var r : consumer.poll(java.time.Duration.ofMillis(200))) {
                    var header = r.headers().lastHeader(SpriteRecords.DATASET);
                    boolean ours = header == null
                            || dataset.equals(new String(header.value(), java.nio.charset.StandardCharsets.UTF_8));
                    if (ours && r.key() != null) {
                        keys.add(r.key());
                    }
                }
                remaining.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
        return keys;
    }

    /** What a resumed run keeps: the keys already on the topic and how many records hold them. */
    private static final class Kept {
        private final java.util.Set<String> keys;
        private final long count;
        private final AtomicLong skipped = new AtomicLong();

        Kept(java.util.Set<String> keys, long count) {
            this.keys = keys;
            this.count = count;
        }

        long count() {
            return count;
        }

        long skipped() {
            return skipped.get();
        }

        /** {@code source} without the sprites whose keys are kept. */
        SpriteSource source(SpriteSource source) {
            return new SpriteSource() {
                @Override
                public long size() {
                    return source.size();
                }

                @Override
                public List<String> classes() {
                    return source.classes();
                }

                @Override
                public void forEach(java.util.function.Consumer<Sprite> sink) throws IOException {
                    source.forEach(sprite -> {
                        if (keys.contains(sprite.key())) {
                            skipped.incrementAndGet();
                        } else {
                            sink.accept(sprite);
                        }
                    });
                }

                @Override
                public String describe() {
                    return source.describe();
                }
            };
        }
    }

    /**
     * Where the run's waiting lines go ({@code produce: waiting for Kafka ...}), e.g. standard error.
     *
     * @return this producer
     */
    public SpriteProducer withNotices(java.util.function.Consumer<String> value) {
        this.notices = java.util.Objects.requireNonNull(value, "notices");
        return this;
    }

    /**
     * Watches the acknowledgements while records are in flight: after 5 s without one it says the
     * run is waiting (and again every 5 s), and after the client timeout ({@code --broker-timeout})
     * it gives up: the Kafka client is closed at once, which ends a send blocked on metadata or on a
     * full buffer, and the run fails with how far it got.
     */
    private final class Silence {
        private final KafkaProducer<String, byte[]> producer;
        private final AtomicLong acked;
        private final AtomicLong failed;
        private final AtomicLong sent;
        private final java.util.concurrent.ScheduledExecutorService clock;
        private volatile long lastHeard = System.nanoTime();
        private volatile boolean gaveUp;
        private long lastSaid;

        Silence(KafkaProducer<String, byte[]> producer, AtomicLong acked, AtomicLong failed, AtomicLong sent) {
            this.producer = producer;
            this.acked = acked;
            this.failed = failed;
            this.sent = sent;
            this.clock = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "spritestream-produce-watch");
                t.setDaemon(true);
                return t;
            });
            clock.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
        }

        void heard() {
            lastHeard = System.nanoTime();
        }

        boolean gaveUp() {
            return gaveUp;
        }

        private void check() {
            long now = System.nanoTime();
            long inFlight = sent.get() - acked.get() - failed.get();
            if (inFlight <= 0) {
                lastHeard = now; // nothing to wait for: silence is fine
                return;
            }
            long silent = now - lastHeard;
            if (silent >= kafka.timeout().toNanos()) {
                gaveUp = true;
                producer.close(java.time.Duration.ZERO); // wakes a send blocked on metadata or buffer space
                clock.shutdown();
            } else if (silent >= SAY_WAITING_NANOS && now - lastSaid >= SAY_WAITING_NANOS) {
                lastSaid = now;
                notices.accept(String.format(java.util.Locale.ROOT, "produce: waiting for Kafka at %s: no "
                        + "acknowledgement for %d s (%d of %d records acknowledged; giving up after %d s)",
                        kafka.bootstrap(), TimeUnit.NANOSECONDS.toSeconds(silent), acked.get(), sent.get(),
                        kafka.timeout().toSeconds()));
            }
        }

        void stop() {
            clock.shutdownNow();
        }
    }
}
