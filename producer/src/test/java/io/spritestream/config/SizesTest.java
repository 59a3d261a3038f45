package io.spritestream.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SizesTest {

    @ParameterizedTest
    @CsvSource({"0, 0 B", "999, 999 B", "1000, 1.0 kB", "61440, 61.4 kB", "999949, 999.9 kB", "999950, 1.0 MB",
            "4500000, 4.5 MB", "1200000000, 1.2 GB", "3000000000000000000, 3000.0 PB"})
    void aByteCountIsWrittenInTheUnitThatShowsIt(long bytes, String expected) {
        assertEquals(expected, Sizes.bytes(bytes));
    }

    @ParameterizedTest
    @CsvSource({"32, 32, 32", "64x48, 64, 48", "16X8, 16, 8"})
    void aSizeIsASquareOrWidthByHeight(String text, int width, int height) {
        assertArrayEquals(new int[] {width, height}, Sizes.parse("size", text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "x", "3x", "-2", "2x3x4", "big"})
    void anythingElseIsRefusedNamingTheSetting(String text) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> Sizes.parse("tile", text));
        assertEquals(true, e.getMessage().contains("tile"), e.getMessage());
    }
}
