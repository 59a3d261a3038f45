package io.spritestream.producer;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.config.SettingText;
import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.producer.source.HeaderCheck;
import io.spritestream.producer.source.Sprite;
import io.spritestream.producer.source.SpriteSource;
import io.spritestream.record.LabelRule;
import io.spritestream.record.SpriteRecords;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
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
     * Sends every sprite of {@code source} and writes the dataset manifest. Each sprite's bytes are
     * checked cheaply ({@link HeaderCheck}: first bytes, a PNG's chunk lengths) before it is sent; one
     * that fails is sent all the same (the loader dead-letters what it cannot decode) and listed in
     * the result's {@link ProduceResult#suspect()}.
     *
     * @param progress told the number of records acknowledged so far (may be called from a Kafka
     *                 I/O thread); pass {@code n -> {}} for none
     * @throws ProduceException if any record could not be written (then no manifest is written)
     * @throws IllegalArgumentException if a class of {@code source} is no class name ({@link LabelRule}):
     *                                  then nothing is sent
     */
    public ProduceResult produce(SpriteSource source, ProduceRequest asked, LongConsumer progress)
            throws IOException {
        long called = System.nanoTime();
        for (String name : source.classes()) {
            LabelRule.require("class of " + source.describe(), name); // before anything is sent
        }
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
                partitions = TopicAdmin.ensureTopic(admin, request);
                start = TopicAdmin.endOffsets(admin, partitions);
                if (request.resume()) {
                    ResumeScan.Kept kept = ResumeScan.keep(kafka, notices, admin, catalog, request, start);
                    return send(kept.source(source), new Prepared(request, previous, catalog, partitions, start, leases,
                            kept.count(), called), n -> progress.accept(n + kept.skipped()));
                }
            }
            return send(source, new Prepared(request, previous, catalog, partitions, start, leases, 0, called), progress);
        } finally {
            for (ProduceLease lease : leases) {
                lease.close();
            }
        }
    }

    /**
     * What a run prepared before sending: the request (on its topic), the version it appends to (or
     * null), the catalog, the topic's partitions and where they ended before this run, its holds,
     * the records a resumed run keeps, and when the run was asked for.
     */
    private record Prepared(ProduceRequest request, DatasetManifest previous, DatasetCatalog catalog,
                            List<TopicPartition> partitions, Map<TopicPartition, Long> start,
                            List<ProduceLease> leases, long keptRecords, long called) {}

    private ProduceResult send(SpriteSource source, Prepared run, LongConsumer progress) throws IOException {
        ProduceRequest request = run.request();
        DatasetManifest previous = run.previous();
        List<TopicPartition> partitions = run.partitions();
        Map<TopicPartition, Long> start = run.start();

        long began = System.nanoTime();
        AtomicLong acked = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<Exception> firstError = new AtomicReference<>();
        byte[] datasetHeader = SpriteRecords.utf8(request.dataset());
        AtomicLong sent = new AtomicLong();
        List<SuspectRecord> suspect = new ArrayList<>(); // filled on this thread, the one forEach calls back on
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerConfig(), new StringSerializer(),
                new ByteArraySerializer());
        SilenceWatch silence = new SilenceWatch(kafka, notices, producer, acked, failed, sent);
        boolean clean = false;
        listener.clientOpened(producer);
        try {
            source.forEach(sprite -> {
                if (firstError.get() != null || silence.gaveUp()) {
                    throw new org.apache.kafka.common.KafkaException("stopped sending after the first failure");
                }
                pace(request.ratePerSecond(), began, sent.get());
                String problem = HeaderCheck.problem(sprite.bytes(), sprite.contentType());
                if (problem != null) {
                    suspect.add(new SuspectRecord(sprite.key(), problem));
                }
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
            end = TopicAdmin.endOffsets(admin, partitions);
        }
        version = run.catalog().nextVersion(request.dataset());
        Map<String, long[]> ranges = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            long from = start.get(tp);
            if (previous != null && previous.partitions().containsKey(String.valueOf(tp.partition()))) {
                from = previous.partitions().get(String.valueOf(tp.partition()))[0];
            }
            ranges.put(String.valueOf(tp.partition()), new long[] {from, end.get(tp)});
        }
        for (ProduceLease lease : run.leases()) {
            if (lease.lost()) {
                throw new ProduceException("lost the hold on " + lease.what() + " while sending (a pause longer than "
                        + ProduceLease.SESSION_TIMEOUT.toSeconds() + " s?): another run may have written meanwhile, so no "
                        + "version was recorded; produce again", null);
            }
        }
        List<String> classes = new ArrayList<>(previous == null ? List.of() : previous.classes());
        source.classes().stream().filter(c -> !classes.contains(c)).forEach(classes::add);
        long count = acked.get() + run.keptRecords() + (previous == null ? 0 : previous.count());
        DatasetManifest manifest = new DatasetManifest(request.dataset(), version, request.topic(), ranges,
                count, classes, Instant.now().toString());
        run.catalog().publish(manifest);
        return new ProduceResult(manifest, acked.get(), bytes.get(), (System.nanoTime() - run.called()) / 1e9,
                sendingSeconds, source.skipped(), suspect);
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
        return catalog.latest(dataset).orElseThrow(() -> new ProduceException(SettingText.format(
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
    /**
     * Where the run's waiting lines go ({@code produce: waiting for Kafka ...}), e.g. standard error.
     *
     * @return this producer
     */
    public SpriteProducer withNotices(java.util.function.Consumer<String> value) {
        this.notices = java.util.Objects.requireNonNull(value, "notices");
        return this;
    }
}
