package io.spritestream.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings declared once: their checks, and messages that name them the way each side shows them. */
class SettingTest {

    private enum Fit { PAD, STRETCH, CROP }

    @Test
    void aValueOutOfRangeIsRejectedNamingTheSettingTheValueAndTheRange() {
        Setting<Integer> batch = Setting.integer("batch", 64, 1, 65536, "Samples per batch");

        assertEquals(64, batch.check(64));
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> batch.check(0));

        assertEquals("batch: 0 (expected 1..65536)", e.getMessage());
        assertEquals("--batch: 0 (expected 1..65536)", e.settingText().forCommandLine());
    }

    @Test
    void aChoiceListsItsValuesInLowerCaseAndItsDefaultAsUsersWriteIt() {
        Setting<Fit> fit = Setting.choice("fit", Fit.class, Fit.PAD, "How an image becomes the sample");

        assertEquals("pad, stretch or crop", fit.expected());
        assertEquals("pad", fit.defaultText());
        assertThrows(InvalidSettingException.class, () -> fit.check(null));
    }

    @Test
    void aDefaultThatDependsOnTheRunHasNoTextAndSaysWhatItIsInItsDoc() {
        Setting<Integer> threads = Setting.integer("threads", 1, 1, 256, "Decode threads")
                .withRuntimeDefault(8, "the number of cores");

        assertEquals(8, threads.defaultValue());
        assertNull(threads.defaultText());
        assertEquals("Decode threads (default: the number of cores)", threads.doc());
    }

    @Test
    void aCommandWhoseDefaultDiffersKeepsTheRuleAndTheMessage() {
        Setting<Integer> epochs = Setting.integer("epochs", 1, 1, 1_000_000, "Epochs");
        Setting<Integer> benchEpochs = epochs.withDefault(3);

        assertEquals(3, benchEpochs.defaultValue());
        assertEquals("3", benchEpochs.defaultText());
        assertEquals(epochs.doc(), benchEpochs.doc());
        assertEquals("epochs: 0 (expected 1..1000000)",
                assertThrows(InvalidSettingException.class, () -> benchEpochs.check(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> epochs.withDefault(0));
        assertEquals("crop", Setting.choice("fit", Fit.class, Fit.PAD, "Fit").withDefault(Fit.CROP).defaultText());
    }

    @Test
    void aTimeoutIsADurationWrittenAndShownInSeconds() {
        Setting<java.time.Duration> timeout = Setting.seconds("broker-timeout", 30, 1, "How long to wait");

        assertEquals(java.time.Duration.ofSeconds(30), timeout.defaultValue());
        assertEquals("30", timeout.defaultText());
        assertEquals("--broker-timeout: 0 (expected >= 1)", assertThrows(InvalidSettingException.class,
                () -> timeout.check(java.time.Duration.ZERO)).settingText().forCommandLine());
        assertEquals("broker-timeout: 0.5 (expected >= 1)", assertThrows(InvalidSettingException.class,
                () -> timeout.check(java.time.Duration.ofMillis(500))).getMessage());
    }

    @Test
    void aFiniteDecimalRejectsNotANumberAndTheInfinities() {
        Setting<Double> warmup = Setting.decimal("warmup", 10, 0, "Seconds of warm-up");

        assertEquals("10", warmup.defaultText());
        assertEquals(2.5, warmup.check(2.5));
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, -1}) {
            assertTrue(assertThrows(InvalidSettingException.class, () -> warmup.check(bad)).getMessage()
                    .endsWith("(expected a finite number >= 0)"), String.valueOf(bad));
        }
    }

    @Test
    void aPathIsQuotedInAMessageLikeText() {
        Setting<java.nio.file.Path> file = Setting.of("kafka-config", java.nio.file.Path.class, null, null,
                p -> false, "a readable .properties file", "Client properties");

        assertEquals("kafka-config: '/nope' (expected a readable .properties file)",
                assertThrows(InvalidSettingException.class, () -> file.check(java.nio.file.Path.of("/nope"))).getMessage());
    }

    @Test
    void aDeclarationWhoseDefaultItRejectsFailsAtOnce() {
        assertThrows(IllegalArgumentException.class, () -> Setting.integer("slabs", 1, 2, 10, "Slabs"));
        assertThrows(IllegalArgumentException.class, () -> Setting.integer("Batch Size", 1, 1, 10, "Bad name"));
    }

    @Test
    void messagesNameSettingsPlainForTheApiAndAsOptionsForTheCommandLine() {
        SettingText text = SettingText.format("{rank}: %s (expected 0..%s for {world-size} %s)", 3, 1, 2);

        assertEquals("rank: 3 (expected 0..1 for world-size 2)", text.plain());
        assertEquals("--rank: 3 (expected 0..1 for --world-size 2)", text.forCommandLine());
        assertEquals(List.of("rank", "world-size"), text.settings());
    }

    @Test
    void valuesAreTakenLiterallyEvenWithBracesInThem() {
        SettingText text = SettingText.format("{resume}: %s is not a state file", "state-{rank}.json");

        assertEquals("--resume: state-{rank}.json is not a state file", text.forCommandLine());
        assertEquals(List.of("resume"), text.settings());
        assertEquals("a {b} c", SettingText.literal("a {b} c").forCommandLine());
    }

    @Test
    void aPatternWhosePlaceholdersDoNotMatchItsValuesIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> SettingText.format("{a}: %s and %s", 1));
    }

    @Test
    void theCommandLineFindsTheSettingsMessageAnywhereInTheCauseChain() {
        InvalidSettingException cause = InvalidSettingException.of("dataset", "a@0", "NAME@VERSION with VERSION >= 1");
        RuntimeException wrapped = new RuntimeException("while opening", cause);

        assertEquals("dataset: 'a@0' (expected NAME@VERSION with VERSION >= 1)", cause.getMessage());
        assertEquals("--dataset: 'a@0' (expected NAME@VERSION with VERSION >= 1)", Cli.commandLineMessage(wrapped));
        assertEquals("plain failure", Cli.commandLineMessage(new IllegalStateException("plain failure")));
    }

    @Test
    void aBundleGivesEachSettingItsDefaultAndItsDocUnderKeysOfItsOwn() {
        Setting<Integer> batch = Setting.integer("batch", 64, 1, 65536, "Samples per batch");
        Setting<Boolean> dropLast = Setting.flag("drop-last", "Leave out the last, partial batch");
        Map<String, Object> keys = new java.util.HashMap<>();
        var bundle = new io.spritestream.cli.SettingsBundle() {
            @Override
            protected List<Setting<?>> settings() {
                return List.of(batch, dropLast);
            }
        };
        bundle.keySet().forEach(k -> keys.put(k, bundle.getObject(k)));

        assertEquals("64", keys.get("batch.default"));
        assertEquals("Samples per batch (default: ${DEFAULT-VALUE}).", keys.get("batch.doc"));
        assertEquals("Leave out the last, partial batch.", keys.get("drop-last.doc"));
        assertTrue(!keys.containsKey("batch"), "no key of an option's bare name: " + keys.keySet());
    }

    @Test
    void aBundleServesTheSharedOptionsAndALaterDeclarationOfANameReplacesAnEarlierOne() {
        Setting<Integer> epochs = Setting.integer("epochs", 1, 1, 1_000_000, "Epochs");
        var bundle = new io.spritestream.cli.SettingsBundle() {
            @Override
            protected List<Setting<?>> settings() {
                return List.of(epochs, epochs.withDefault(3));
            }
        };

        assertEquals("3", bundle.getString("epochs.default"));
        assertEquals("127.0.0.1:9092", bundle.getString("bootstrap.default"));
        assertEquals("30", bundle.getString("broker-timeout.default"));
        assertEquals("127.0.0.1", bundle.getString("metrics-bind.default"));
    }

    @Test
    void aMessageNamesSettingsAsAPythonCallersKeywordArguments() {
        SettingText text = SettingText.format("{batch}: %s (expected 1..65536); or ask for fewer {slabs}, or a roomier "
                + "tmpfs as {ring-dir}", 0);

        assertEquals("batch=0 (expected 1..65536); or ask for fewer slabs=, or a roomier tmpfs as ring_dir=",
                text.forKeywords());
        assertEquals("--batch: 0 (expected 1..65536); or ask for fewer --slabs, or a roomier tmpfs as --ring-dir",
                text.forCommandLine());
    }
}
