package io.spritestream.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.broker.EmbeddedKafka;
import io.spritestream.broker.SharedKafka;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.record.SpriteRecords;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The catalog on the shared broker. Other tests publish to the same catalog topic, so every test
 * looks only at datasets it published under its own unique names.
 */
@ExtendWith(SharedKafka.class)
class DatasetCatalogTest {

    private static KafkaSettings settings;
    private static DatasetCatalog catalog;
    /** A dataset with versions 1, 2 and 3, published in the order 1, 3, 2. */
    private static String threeVersions;

    @BeforeAll
    static void publishThreeVersions(EmbeddedKafka kafka) {
        settings = KafkaSettings.of(kafka.bootstrapServers());
        catalog = new DatasetCatalog(settings);
        try (Admin admin = Admin.create(settings.admin("test"))) {
            catalog.ensureTopic(admin);
        }
        threeVersions = unique("cat-three");
        for (int version : new int[] {1, 3, 2}) {
            catalog.publish(manifest(threeVersions, version));
        }
    }

    @Test
    void resolvingANameGivesItsLatestVersion() {
        DatasetManifest latest = catalog.resolve(DatasetRef.parse(threeVersions));

        assertEquals(manifest(threeVersions, 3), latest);
    }

    @Test
    void resolvingNameAtVersionGivesThatVersion() {
        assertEquals(manifest(threeVersions, 1), catalog.resolve(DatasetRef.parse(threeVersions + "@1")));
        assertEquals(manifest(threeVersions, 2), catalog.resolve(DatasetRef.parse(threeVersions + "@2")));
    }

    @Test
    void listHoldsEveryPublishedVersionInVersionOrder() {
        List<Integer> versions = catalog.list().stream()
                .filter(m -> m.dataset().equals(threeVersions)).map(DatasetManifest::version).toList();

        assertEquals(List.of(1, 2, 3), versions);
    }

    @Test
    void anUnknownDatasetThrowsListingTheKnownDatasets() {
        String ghost = unique("cat-ghost");

        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class,
                () -> catalog.resolve(DatasetRef.parse(ghost)));

        assertTrue(e.getMessage().startsWith("unknown dataset '" + ghost + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(threeVersions + "@1,2,3"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void anUnknownVersionOfAKnownDatasetThrowsListingItsVersions() {
        DatasetNotFoundException e = assertThrows(DatasetNotFoundException.class,
                () -> catalog.resolve(DatasetRef.parse(threeVersions + "@9")));

        assertTrue(e.getMessage().contains("'" + threeVersions + "@9'"), e.getMessage());
        assertTrue(e.getMessage().contains(threeVersions + "@1,2,3"), e.getMessage());
    }

    @Test
    void anEmptyCatalogSaysSoInsteadOfListingNothing() {
        String message = new DatasetNotFoundException(DatasetRef.parse("x"), List.of()).getMessage();

        assertEquals("unknown dataset 'x': the catalog is empty (produce one first)", message);
    }

    @Test
    void aForeignUnreadableValueIsSkippedWithAWarningNotFatal() throws Exception {
        String notJson = unique("cat-foreign") + "@1";
        String wrongShape = unique("cat-wrong-shape") + "@1";
        String readable = unique("cat-readable");
        writeRaw(notJson, "this is not JSON {");
        writeRaw(wrongShape, "{\"dataset\": 5, \"partitions\": \"none\"}");
        catalog.publish(manifest(readable, 1));
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());

        List<DatasetManifest> all;
        try {
            all = new DatasetCatalog(settings, warnings::add).list();
        } finally {
            // Tombstones, so later readers of the shared catalog do not warn about these entries.
            writeRaw(notJson, null);
            writeRaw(wrongShape, null);
        }

        assertTrue(all.contains(manifest(readable, 1)), "readable entries are still listed");
        assertTrue(all.stream().noneMatch(m -> m.key().equals(notJson) || m.key().equals(wrongShape)));
        assertTrue(warnings.stream().anyMatch(w -> w.contains("'" + notJson + "'")), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("'" + wrongShape + "'")), warnings.toString());
        assertTrue(warnings.stream().noneMatch(w -> w.contains("\n")), warnings.toString());
    }

    @Test
    void anEntryWhoseClassesHoldANewlineIsSkippedWithAOneLineWarningNamingTheClass() throws Exception {
        String hostile = unique("cat-newline-class") + "@1";
        writeRaw(hostile, "{\"dataset\":\"" + hostile.substring(0, hostile.indexOf('@')) + "\",\"version\":1,"
                + "\"topic\":\"sprites.x\",\"partitions\":{\"0\":[0,2]},\"count\":2,"
                + "\"classes\":[\"cat\",\"knight\\nqueen\"],\"created\":\"2026-01-01T00:00:00Z\"}");
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());

        List<DatasetManifest> all;
        try {
            all = new DatasetCatalog(settings, warnings::add).list();
        } finally {
            writeRaw(hostile, null);
        }

        assertTrue(all.stream().noneMatch(m -> m.key().equals(hostile)), "a class list with a newline is never used");
        String warning = warnings.stream().filter(w -> w.contains("'" + hostile + "'")).findFirst().orElse("");
        assertTrue(warning.contains("knight\\u000aqueen") && warning.contains("U+000A"), warnings.toString());
        assertFalse(warning.contains("\n"), warning);
    }

    @Test
    void onlyTheLatestValueOfAKeyIsRead() throws Exception {
        String deleted = unique("cat-deleted") + "@1";
        String repaired = unique("cat-repaired");
        String broken = unique("cat-broken");
        writeRaw(deleted, "not JSON");
        writeRaw(deleted, null);
        writeRaw(repaired + "@1", "not JSON");
        catalog.publish(manifest(repaired, 1));
        catalog.publish(manifest(broken, 1));
        writeRaw(broken + "@1", "not JSON");
        List<String> warnings = Collections.synchronizedList(new ArrayList<>());

        List<DatasetManifest> all;
        try {
            all = new DatasetCatalog(settings, warnings::add).list();
        } finally {
            writeRaw(broken + "@1", null);
        }

        assertTrue(all.contains(manifest(repaired, 1)), "a value replaced by a manifest is listed");
        assertTrue(all.stream().noneMatch(m -> m.dataset().equals(broken)), "a manifest replaced by junk is gone");
        assertTrue(warnings.stream().noneMatch(w -> w.contains(deleted) || w.contains(repaired)), warnings.toString());
        assertTrue(warnings.stream().anyMatch(w -> w.contains("'" + broken + "@1'")), warnings.toString());
    }

    @Test
    void aTombstoneRemovesThatVersion() throws Exception {
        String dataset = unique("cat-tombstone");
        catalog.publish(manifest(dataset, 1));
        catalog.publish(manifest(dataset, 2));
        writeRaw(dataset + "@2", null);

        assertEquals(1, catalog.resolve(DatasetRef.parse(dataset)).version());
        assertEquals(Optional.empty(), catalog.find(new DatasetRef(dataset, OptionalInt.of(2))));
    }

    @Test
    void selectFiltersByNameAndPicksTheHighestOrTheNamedVersion() {
        List<DatasetManifest> manifests = List.of(manifest("b", 7), manifest("a", 2), manifest("a", 5), manifest("a", 1));

        assertEquals(Optional.of(manifest("a", 5)), DatasetCatalog.select(manifests, DatasetRef.parse("a")));
        assertEquals(Optional.of(manifest("a", 2)), DatasetCatalog.select(manifests, DatasetRef.parse("a@2")));
        assertEquals(Optional.empty(), DatasetCatalog.select(manifests, DatasetRef.parse("a@7")));
        assertEquals(Optional.empty(), DatasetCatalog.select(manifests, DatasetRef.parse("c")));
    }

    // --- helpers -------------------------------------------------------------------------------

    private static String unique(String prefix) {
        return prefix + "-" + Long.toHexString(System.nanoTime());
    }

    /** A manifest whose fields all depend on the version, so versions are told apart by equals. */
    private static DatasetManifest manifest(String dataset, int version) {
        return new DatasetManifest(dataset, version, SpriteRecords.topicFor(dataset),
                Map.of("0", new long[] {10L * (version - 1), 10L * version}, "1", new long[] {0, version}),
                10 + version, List.of("ball", "cross-" + version), "2024-01-0" + version + "T00:00:00Z");
    }

    /** Writes a value (null: a tombstone) under {@code key} to the catalog topic, bypassing the catalog. */
    private static void writeRaw(String key, String value) throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(settings.producer("test-raw"),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(SpriteRecords.CATALOG_TOPIC, key, value)).get(30, TimeUnit.SECONDS);
        }
    }
}
