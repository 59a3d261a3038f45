package io.spritestream.producer;

import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.producer.source.Sprite;
import io.spritestream.producer.source.SpriteSource;
import io.spritestream.record.SpriteRecords;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;

/**
 * {@code produce --resume}: the records an interrupted run left on the topic outside any version
 * become part of the new version, and the sprites whose keys they hold are not sent again (read with
 * a consumer of its own, to the end of those records).
 */
final class ResumeScan {

    private ResumeScan() {}

    static Kept keep(KafkaSettings kafka, java.util.function.Consumer<String> notices, Admin admin, DatasetCatalog catalog,
                     ProduceRequest request, Map<TopicPartition, Long> start)
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
        java.util.Set<String> keys = keysIn(kafka, request.topic(), left.get().ranges(), request.dataset());
        notices.accept("resume: keeping the " + left.get().count() + " records an unfinished run left on "
                + request.topic() + "; sprites with their keys (" + keys.size() + ") are not sent again");
        return new Kept(keys, left.get().count());
    }

    /** The keys of the records of {@code dataset} in {@code ranges} of {@code topic}. */
    private static java.util.Set<String> keysIn(KafkaSettings kafka, String topic, Map<Integer, long[]> ranges, String dataset) {
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
    static final class Kept {
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
                public List<io.spritestream.producer.source.SkippedFile> skipped() {
                    return source.skipped();
                }

                @Override
                public String describe() {
                    return source.describe();
                }
            };
        }
    }

}
