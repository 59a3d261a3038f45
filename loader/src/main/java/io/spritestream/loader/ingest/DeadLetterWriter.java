package io.spritestream.loader.ingest;

import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.record.SpriteRecords;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteBufferSerializer;

/**
 * Writes records that could not become samples to the dead-letter topic {@code <topic>.dlq}: the
 * original key and value, the original label, and headers naming the reason, the error and the
 * source ({@code topic/partition/offset}).
 *
 * <p>Each bad record is written once: the topic is a record of bad inputs, not a log of runs. On the
 * first dead letter of a run, the sources the topic already holds ({@code topic/partition/offset})
 * are read, and a record already there is not written again (two runs writing the same record at
 * the same moment may both write it).
 *
 * <p>The topic is created (infinite retention) on the first dead letter. Sends are asynchronous;
 * {@link #close()} waits for all of them and fails if any was lost, so a bad record is never
 * silently dropped. One thread at a time: {@link #close()} after the last send is known to have
 * returned (the same thread, or one that joined the sender).
 */
public final class DeadLetterWriter implements AutoCloseable {

    public static final String REASON = "spritestream.dlq.reason";
    public static final String ERROR = "spritestream.dlq.error";
    public static final String SOURCE = "spritestream.dlq.source";

    private final KafkaSettings kafka;
    private final String sourceTopic;
    private final String topic;
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private KafkaProducer<ByteBuffer, ByteBuffer> producer;
    /** The sources of {@code sourceTopic} the topic holds, {@code partition/offset}; read on the first send. */
    private java.util.Set<String> written;
    private long alreadyThere;

    public DeadLetterWriter(KafkaSettings kafka, String sourceTopic) {
        this.kafka = kafka;
        this.sourceTopic = sourceTopic;
        this.topic = SpriteRecords.deadLetterTopicFor(sourceTopic);
    }

    /**
     * Sends one dead letter (asynchronously: {@link #close()} reports a failure), unless the topic
     * holds this record already.
     */
    public void send(int partition, long offset, ByteBuffer key, ByteBuffer value, byte[] label,
                     String reason, String error) {
        checkNoFailure();
        if (producer == null) {
            open();
        }
        if (!written.add(partition + "/" + offset)) {
            alreadyThere++;
            return;
        }
        RecordHeaders headers = new RecordHeaders();
        headers.add(new RecordHeader(REASON, reason.getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(ERROR, String.valueOf(error).getBytes(StandardCharsets.UTF_8)));
        headers.add(new RecordHeader(SOURCE, (sourceTopic + "/" + partition + "/" + offset).getBytes(StandardCharsets.UTF_8)));
        if (label != null) {
            headers.add(new RecordHeader(SpriteRecords.LABEL, label));
        }
        ByteBuffer k = key == null ? null : key.duplicate();
        ByteBuffer v = value == null ? null : value.duplicate();
        producer.send(new ProducerRecord<>(topic, null, k, v, headers), (meta, e) -> {
            if (e != null) {
                failed.incrementAndGet();
                firstFailure.compareAndSet(null, e);
            }
        });
    }

    private void open() {
        try (Admin admin = kafka.newAdmin("spritestream-dlq-admin")) {
            if (!admin.listTopics().names().get().contains(topic)) {
                NewTopic newTopic = new NewTopic(topic, 1, DatasetCatalog.replicationFactor(admin))
                        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1"));
                admin.createTopics(List.of(newTopic)).all().get();
            }
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("cannot create dead-letter topic " + topic + ": "
                        + e.getCause().getMessage(), e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted creating " + topic, e);
        }
        written = sourcesWritten();
        Map<String, Object> config = kafka.producer("spritestream-dlq");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producer = new KafkaProducer<>(config, new ByteBufferSerializer(), new ByteBufferSerializer());
    }

    /** The {@code partition/offset} of every record of {@code sourceTopic} the dead-letter topic holds. */
    private java.util.Set<String> sourcesWritten() {
        java.util.Set<String> sources = new java.util.HashSet<>();
        String prefix = sourceTopic + "/";
        Map<String, Object> config = kafka.consumer("spritestream-dlq-reader");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("cannot read " + topic + " to its end within 60 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    Header source = r.headers().lastHeader(SOURCE);
                    String s = source == null ? "" : new String(source.value(), StandardCharsets.UTF_8);
                    if (s.startsWith(prefix)) {
                        sources.add(s.substring(prefix.length()));
                    }
                }
            }
            consumer.close(CloseOptions.timeout(Duration.ZERO)); // no group: nothing to wait for
        }
        return sources;
    }

    /** Records of this run not written because the topic held them already. */
    public long alreadyThere() {
        return alreadyThere;
    }

    /**
     * Throws if a dead letter could not be written: the run must stop rather than lose the record.
     * Any thread.
     */
    public void checkNoFailure() {
        if (failed.get() > 0) {
            throw new IllegalStateException("cannot write dead letters to " + topic + ": "
                    + firstFailure.get().getMessage() + " (stopping rather than losing records)", firstFailure.get());
        }
    }

    /**
     * Waits for every dead letter to be acknowledged.
     *
     * @throws IllegalStateException if any could not be written
     */
    @Override
    public void close() {
        if (producer != null) {
            producer.flush();
            producer.close(Duration.ofSeconds(10));
            producer = null;
        }
        checkNoFailure();
    }
}
