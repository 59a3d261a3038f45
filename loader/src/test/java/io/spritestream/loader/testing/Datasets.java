package io.spritestream.loader.testing;

import io.spritestream.catalog.DatasetManifest;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.SpriteProducer;
import io.spritestream.producer.source.Sprite;
import io.spritestream.producer.source.SyntheticSprites;
import io.spritestream.record.SpriteRecords;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Datasets on a real broker for loader tests. */
public final class Datasets {

    private Datasets() {}

    /** Produces a synthetic dataset through the real producer and returns its manifest. */
    public static DatasetManifest synthetic(KafkaSettings kafka, String name, int count, int classes, int size,
                                            int partitions) {
        try {
            return new SpriteProducer(kafka).produce(new SyntheticSprites(count, classes, size, 7),
                    new ProduceRequest(name, null, partitions, 0), n -> { }).manifest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every sprite of the synthetic set, by key. */
    public static Map<String, Sprite> syntheticByKey(int count, int classes, int size) throws IOException {
        Map<String, Sprite> byKey = new LinkedHashMap<>();
        new SyntheticSprites(count, classes, size, 7).forEach(s -> byKey.put(s.key(), s));
        return byKey;
    }

    /** A raw record for {@link #writeTopic}: value may be null (a tombstone). */
    public record Raw(String key, String label, byte[] value) {}

    /** Creates {@code topic} with one partition and writes the records in order, without the project's producer. */
    public static void writeTopic(KafkaSettings kafka, String topic, List<Raw> records) {
        writeLabelled(kafka, topic, records.stream().map(r -> new Labelled(r.key(),
                r.label() == null ? null : r.label().getBytes(StandardCharsets.UTF_8), r.value())).toList());
    }

    /** A raw record whose {@code label} header holds exactly these bytes (null: no header). */
    public record Labelled(String key, byte[] label, byte[] value) {}

    /**
     * Creates {@code topic} with one partition and writes the records in order, their label headers
     * byte for byte (as any other client may write them), without the project's producer.
     */
    public static void writeLabelled(KafkaSettings kafka, String topic, List<Labelled> records) {
        try (Admin admin = Admin.create(kafka.admin("test-admin"))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        } catch (ExecutionException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
        Map<String, Object> config = kafka.producer("test-writer");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
            for (Labelled r : records) {
                ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, r.key(), r.value());
                if (r.label() != null) {
                    record.headers().add(new RecordHeader(SpriteRecords.LABEL, r.label()));
                }
                producer.send(record);
            }
            producer.flush();
        }
    }

    public static List<Raw> list(Raw... records) {
        return new ArrayList<>(List.of(records));
    }
}
