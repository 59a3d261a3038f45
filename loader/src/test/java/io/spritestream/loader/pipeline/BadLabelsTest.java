package io.spritestream.loader.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.cli.CliRun;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.cli.LoaderMain;
import io.spritestream.loader.ingest.DeadLetterWriter;
import io.spritestream.loader.testing.Datasets;
import io.spritestream.loader.testing.Datasets.Labelled;
import io.spritestream.loader.testing.TestPng;
import io.spritestream.loader.testing.TestPng.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Labels another client wrote that no class name may be (a newline, 10 kB, a tab, a line separator,
 * a right-to-left override, blank, empty, not UTF-8): each record is a dead letter with reason
 * {@code bad_label}, and the class list, {@code classes.txt} and the batches never see them.
 */
@ExtendWith(SharedKafka.class)
class BadLabelsTest {

    private static final Map<String, byte[]> BAD = new java.util.LinkedHashMap<>();

    static {
        BAD.put("newline", utf8("cat\ndog"));
        BAD.put("ten-kb", utf8("x".repeat(10_000)));
        BAD.put("tab", utf8("tab\there"));
        BAD.put("line-separator", utf8("line\u2028separator"));
        BAD.put("bidi-override", utf8("\u202Egnp.exe"));
        BAD.put("blank", utf8("   "));
        BAD.put("empty", new byte[0]);
        BAD.put("not-utf8", new byte[] {'a', (byte) 0xC3, '(', 'b'});
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void recordsWhoseLabelsBreakTheLabelRuleAreDeadLetteredAndNeverReachTheClassList(EmbeddedKafka broker,
            @TempDir Path dir) throws Exception {
        KafkaSettings kafka = KafkaSettings.of(broker.bootstrapServers());
        String topic = "sprites.bad-labels";
        List<Labelled> records = new ArrayList<>();
        int seed = 1;
        records.add(new Labelled("good-0", utf8("cat"), png(seed++)));
        for (Map.Entry<String, byte[]> bad : BAD.entrySet()) {
            records.add(new Labelled(bad.getKey(), bad.getValue(), png(seed++)));
            records.add(new Labelled("good-" + seed, utf8(records.size() % 4 == 2 ? "dog" : "cat"), png(seed++)));
        }
        Datasets.writeLabelled(kafka, topic, records);
        Path export = dir.resolve("export");
        Path report = dir.resolve("report.json");

        CliRun r = CliRun.run(new LoaderMain(), "load", "--bootstrap", broker.bootstrapServers(), "--topic", topic,
                "--size", "12", "--batch", "4", "--quiet", "--report-json", report.toString(), "--export-npy",
                export.toString());

        assertEquals(0, r.exit(), r.toString());
        List<String> classes = Files.readAllLines(export.resolve("classes.txt"));
        assertEquals(2, classes.size(), classes.toString()); // in order of first delivery, which the shuffle decides
        assertEquals(java.util.Set.of("cat", "dog"), java.util.Set.copyOf(classes));
        List<String> keys = Files.readAllLines(export.resolve("keys.txt"));
        assertEquals(records.size() - BAD.size(), keys.size(), keys.toString());
        assertTrue(keys.stream().allMatch(k -> k.startsWith("good-")), keys.toString());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(BAD.size(), json.get("dead_lettered").asLong(), json.toString());
        assertEquals(BAD.size(), json.get("dead_letter_reasons").get("bad_label").asLong(), json.toString());
        assertEquals(records.size(), json.get("records_read").asLong(), "records read = delivered + dead-lettered");

        Map<String, ConsumerRecord<String, byte[]>> letters = deadLetters(kafka, topic + ".dlq", BAD.size());
        for (Map.Entry<String, byte[]> bad : BAD.entrySet()) {
            ConsumerRecord<String, byte[]> letter = letters.get(bad.getKey());
            assertNotNull(letter, bad.getKey());
            assertEquals("bad_label", header(letter, DeadLetterWriter.REASON), bad.getKey());
            String error = header(letter, DeadLetterWriter.ERROR);
            assertTrue(error.lines().count() == 1 && error.length() < 400, bad.getKey() + ": one short line: " + error);
            assertTrue(java.util.Arrays.equals(bad.getValue(), letter.headers().lastHeader("label").value()),
                    bad.getKey() + ": the original label is kept");
        }
        assertTrue(header(letters.get("newline"), DeadLetterWriter.ERROR).contains("U+000A"),
                header(letters.get("newline"), DeadLetterWriter.ERROR));
        assertTrue(header(letters.get("ten-kb"), DeadLetterWriter.ERROR).contains("10000 bytes"),
                header(letters.get("ten-kb"), DeadLetterWriter.ERROR));
    }

    private static byte[] png(long seed) {
        return TestPng.random(Kind.RGBA, 12, 12, 8, false, seed).encode();
    }

    private static String header(ConsumerRecord<?, ?> r, String name) {
        var h = r.headers().lastHeader(name);
        assertNotNull(h, name);
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static Map<String, ConsumerRecord<String, byte[]>> deadLetters(KafkaSettings kafka, String topic,
                                                                           int expected) {
        Map<String, ConsumerRecord<String, byte[]>> byKey = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.consumer("test-dlq-reader"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (byKey.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> byKey.put(r.key(), r));
            }
        }
        assertEquals(expected, byKey.size(), "dead letters in " + topic + ": " + byKey.keySet());
        return byKey;
    }
}
