package io.spritestream.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one rule for class names, on strings (where the producer meets them) and bytes (where the loader does). */
class LabelRuleTest {

    private static final List<String> GOOD = List.of("coin", "Knight 2", "épée", "剣", "a-b_c.d", "🐉 dragon",
            "x".repeat(LabelRule.MAX_BYTES), "é".repeat(LabelRule.MAX_BYTES / 2), " padded ");

    private static final List<String> BAD = List.of("", "   ", "\u3000", "cat\ndog", "tab\there", "cr\r", "nul\u0000",
            "esc\u001b[31m", "del\u007f", "c1\u0085", "line\u2028sep", "para\u2029sep", "\u202Egnp.exe", "zero\u200Bwidth",
            "bom\uFEFF", "x".repeat(LabelRule.MAX_BYTES + 1), "é".repeat(LabelRule.MAX_BYTES / 2 + 1));

    @Test
    void goodNamesPassAsStringsAndAsBytes() {
        for (String name : GOOD) {
            assertNull(LabelRule.problem(name), name);
            assertTrue(LabelRule.isClassName(name.getBytes(StandardCharsets.UTF_8)), name);
            assertNull(LabelRule.problem(name.getBytes(StandardCharsets.UTF_8)), name);
            assertEquals(name, LabelRule.require("label", name));
        }
    }

    @Test
    void badNamesFailAsStringsAndAsBytesWithOneLineEach() {
        for (String name : BAD) {
            String problem = LabelRule.problem(name);
            assertNotNull(problem, name);
            assertFalse(LabelRule.isClassName(name.getBytes(StandardCharsets.UTF_8)), name);
            String fromBytes = LabelRule.problem(name.getBytes(StandardCharsets.UTF_8));
            assertNotNull(fromBytes, name);
            for (String p : List.of(problem, fromBytes)) {
                assertEquals(1, p.lines().count(), p);
                assertTrue(p.length() < 400, p);
                assertTrue(p.chars().allMatch(c -> c >= 0x20 && c != 0x7f && c != 0x2028 && c != 0x202e), p);
            }
        }
    }

    @Test
    void aLoneSurrogateIsNoClassName() {
        assertTrue(LabelRule.problem("lone\uD800").contains("U+D800"), LabelRule.problem("lone\uD800"));
    }

    @Test
    void theProblemNamesTheCharacterOrTheLength() {
        assertEquals("\"cat\\u000adog\" holds U+000A LINE FEED (LF), a control character (" + LabelRule.EXPECTED + ")",
                LabelRule.problem("cat\ndog"));
        assertTrue(LabelRule.problem("x".repeat(10_000)).startsWith("\"" + "x".repeat(40) + "...\" is 10000 bytes of UTF-8"),
                LabelRule.problem("x".repeat(10_000)));
        assertTrue(LabelRule.problem(new byte[10_000]).contains("is 10000 bytes of UTF-8"));
        assertTrue(LabelRule.problem("\u202Eevil").contains("U+202E"), LabelRule.problem("\u202Eevil"));
        assertTrue(LabelRule.problem("").contains("is empty"));
        assertTrue(LabelRule.problem("  ").contains("is blank"));
    }

    @Test
    void bytesThatAreNotUtf8AreNoClassName() {
        for (byte[] bytes : List.of(new byte[] {'a', (byte) 0xC3, '(', 'b'}, new byte[] {(byte) 0xC0, (byte) 0x80},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, new byte[] {'a', (byte) 0xE2, (byte) 0x82},
                new byte[] {(byte) 0xFF})) {
            assertFalse(LabelRule.isClassName(bytes), java.util.Arrays.toString(bytes));
            assertNotNull(LabelRule.problem(bytes), java.util.Arrays.toString(bytes));
        }
        assertTrue(LabelRule.problem(new byte[] {'a', (byte) 0xC3, '(', 'b'}).contains("is not UTF-8"));
        assertFalse(LabelRule.isClassName(null));
    }

    @Test
    void requireNamesWhatWasChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LabelRule.require("--label", "a\tb"));
        assertTrue(e.getMessage().startsWith("--label: \"a\\u0009b\" holds U+0009"), e.getMessage());
    }
}
