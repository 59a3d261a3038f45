package io.spritestream.loader.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeySplitTest {

    private static ByteBuffer key(String text) {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyKeyIsOnExactlyOneSide() {
        KeySplit train = KeySplit.train(0.2);
        KeySplit validation = KeySplit.validation(0.2);
        for (int i = 0; i < 10_000; i++) {
            ByteBuffer k = key("synthetic/ball/" + i);
            assertNotEquals(train.accepts(k), validation.accepts(k), "synthetic/ball/" + i);
        }
    }

    @Test
    void theValidationShareIsCloseToTheFraction() {
        KeySplit validation = KeySplit.validation(0.1);
        int held = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            if (validation.accepts(key("icons/" + i + ".png"))) {
                held++;
            }
        }
        // Binomial(20000, 0.1): standard deviation ~42; 5 sigma either way.
        assertTrue(Math.abs(held - 2000) < 210, "held out " + held + " of " + n);
    }

    @Test
    void theSideDependsOnlyOnTheKeyBytes() {
        ByteBuffer direct = ByteBuffer.allocateDirect(32);
        direct.put("xx".getBytes(StandardCharsets.UTF_8)).put("sheet/tile-7".getBytes(StandardCharsets.UTF_8)).flip();
        direct.position(2);
        assertEquals(KeySplit.position(key("sheet/tile-7")), KeySplit.position(direct));
        assertEquals(2, direct.position(), "reading the key does not move it");
        // Pinned: a change here would move samples between the training and validation sets of
        // every existing split.
        assertEquals(0.4632512812932499, KeySplit.position(key("synthetic/ball/0")));
    }

    @Test
    void edgesAndRecordsWithoutKey() {
        assertFalse(KeySplit.validation(0).accepts(key("a")), "fraction 0: nothing held out");
        assertTrue(KeySplit.validation(1).accepts(key("a")), "fraction 1: everything held out");
        assertTrue(KeySplit.train(0.5).accepts(null), "no key: training side");
        assertFalse(KeySplit.validation(0.5).accepts(null));
    }

    @Test
    void aFractionOutside0To1IsRefusedNamingTheSetting() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeySplit.train(1.5));
        assertEquals("validation-fraction: 1.5 (expected 0..1)", e.getMessage());
        assertEquals("--validation-fraction: 1.5 (expected 0..1)", Cli.commandLineMessage(e));
        assertThrows(IllegalArgumentException.class, () -> KeySplit.validation(Double.NaN));
    }
}
