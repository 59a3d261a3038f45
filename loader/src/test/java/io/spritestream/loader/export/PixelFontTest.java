package io.spritestream.loader.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.junit.jupiter.api.Test;

/** Class names outside ASCII: a letter with an accent is drawn as its letter, anything else as a block, never as '?'. */
class PixelFontTest {

    @Test
    void accentedLettersKeepTheirLetterAndOtherCharactersAreABlockNotAQuestionMark() {
        assertEquals(ContactSheet.PixelFont.glyph('e'), ContactSheet.PixelFont.glyph('\u00e9'));  // é
        assertEquals(ContactSheet.PixelFont.glyph('a'), ContactSheet.PixelFont.glyph('\u00c5'));  // Å
        assertEquals(ContactSheet.PixelFont.glyph('n'), ContactSheet.PixelFont.glyph('\u00f1'));  // ñ
        assertEquals(ContactSheet.PixelFont.UNKNOWN, ContactSheet.PixelFont.glyph('\u4e2d'));     // 中
        assertEquals(ContactSheet.PixelFont.UNKNOWN, ContactSheet.PixelFont.glyph('\u00df'));     // ß: no letter of its own
        assertNotEquals(ContactSheet.PixelFont.glyph('?'), ContactSheet.PixelFont.UNKNOWN);
    }
}
