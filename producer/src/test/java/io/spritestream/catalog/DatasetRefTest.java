package io.spritestream.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DatasetRefTest {

    @Test
    void aBareNameMeansTheLatestVersion() {
        assertEquals(new DatasetRef("a", OptionalInt.empty()), DatasetRef.parse("a"));
    }

    @Test
    void nameAtVersionNamesThatVersion() {
        DatasetRef ref = DatasetRef.parse("icons.v2_x-y@3");

        assertEquals(new DatasetRef("icons.v2_x-y", OptionalInt.of(3)), ref);
        assertEquals("icons.v2_x-y@3", ref.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a@0", "a@-1", "a@x", "a@", "bad name", "@3", "a@1@2", ""})
    void aMalformedReferenceIsRejectedNamingTheDatasetSettingAndOnTheCommandLineItsOption(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetRef.parse(text));

        assertTrue(e.getMessage().startsWith("dataset: "), e.getMessage());
        assertTrue(Cli.commandLineMessage(e).startsWith("--dataset: "), Cli.commandLineMessage(e));
    }
}
