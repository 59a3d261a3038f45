package io.spritestream.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DatasetManifestTest {

    private static final DatasetManifest MANIFEST = new DatasetManifest("icons", 3, "sprites.icons",
            Map.of("0", new long[] {0, 120}, "1", new long[] {40, 161}), 241,
            List.of("ball", "cross", "heart"), "2024-05-01T12:00:00Z");

    @Test
    void jsonRoundTripGivesAnEqualManifest() throws Exception {
        String json = DatasetCatalog.toJson(MANIFEST);

        assertEquals(MANIFEST, DatasetCatalog.fromJson(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void jsonUsesTheFieldNamesOfTheDesign() throws Exception {
        JsonNode json = new ObjectMapper().readTree(DatasetCatalog.toJson(MANIFEST));

        Set<String> fields = new TreeSet<>();
        json.fieldNames().forEachRemaining(fields::add);
        assertEquals(new TreeSet<>(List.of("dataset", "version", "topic", "partitions", "count", "classes", "created")),
                fields);
        assertEquals("icons", json.get("dataset").asText());
        assertEquals(3, json.get("version").asInt());
        assertEquals("sprites.icons", json.get("topic").asText());
        assertEquals("[0,120]", json.get("partitions").get("0").toString());
        assertEquals("[40,161]", json.get("partitions").get("1").toString());
        assertEquals(241, json.get("count").asLong());
        assertEquals("[\"ball\",\"cross\",\"heart\"]", json.get("classes").toString());
        assertEquals("2024-05-01T12:00:00Z", json.get("created").asText());
    }

    @Test
    void unknownJsonFieldsAreIgnoredSoNewerProducersStayReadable() throws Exception {
        String json = DatasetCatalog.toJson(MANIFEST).replaceFirst("\\{", "{\"producer\":\"v9\",");

        assertEquals(MANIFEST, DatasetCatalog.fromJson(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void keyIsNameAtVersionAndRangeSizeSumsTheRanges() {
        assertEquals("icons@3", MANIFEST.key());
        assertEquals(120 + 121, MANIFEST.rangeSize());
    }

    @Test
    void aRangeThatEndsBeforeItStartsIsRejectedNamingThePartition() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DatasetManifest("x", 1, "t", Map.of("2", new long[] {5, 4}), 0, List.of(), null));

        assertTrue(e.getMessage().startsWith("partitions.2:"), e.getMessage());
    }
}
