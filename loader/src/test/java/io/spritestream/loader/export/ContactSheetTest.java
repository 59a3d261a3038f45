package io.spritestream.loader.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** Captions under a contact sheet's cells, drawn in the built-in pixel font. */
class ContactSheetTest {

    private static final ContactSheet.Layout LABELLED = new ContactSheet.Layout(1, 2, 2, true, false);

    /** A sheet of one transparent 32x32 RGBA sample (a 64-pixel cell at scale 2) captioned {@code caption}. */
    private static BufferedImage sheet(String caption) {
        return ContactSheet.render(ByteBuffer.allocateDirect(32 * 32 * 4), 1, 32, 32, 4, i -> caption, LABELLED);
    }

    @Test
    void aClassNameTooLongForItsCellKeepsEveryLetterThatFitsButOneAndEndsInAnEllipsis() {
        // 64 pixels hold 8 characters of the font; a 10-letter name shows 7 of them and an ellipsis.
        BufferedImage cut = sheet("HUMAN-LORD");
        BufferedImage sevenLetters = sheet("HUMAN-L");
        ContactSheet.Geometry g = ContactSheet.geometry(1, 32, 32, LABELLED);
        int top = g.y(0) + g.cellHeight() + 2;
        int textPixelsAfterTheLetters = 0;
        for (int y = top; y < top + ContactSheet.CHAR_HEIGHT; y++) {
            for (int x = g.x(0); x < g.x(0) + 7 * ContactSheet.CHAR_ADVANCE; x++) {
                assertEquals(sevenLetters.getRGB(x, y), cut.getRGB(x, y), "the first 7 letters at (" + x + ", " + y + ")");
            }
            for (int x = g.x(0) + 7 * ContactSheet.CHAR_ADVANCE; x < g.x(0) + g.cellWidth(); x++) {
                if (cut.getRGB(x, y) == ContactSheet.TEXT) {
                    textPixelsAfterTheLetters++;
                }
            }
        }
        assertEquals(3 * 4, textPixelsAfterTheLetters, "three 2x2 dots after them");
        assertEquals("HUMAN-L\u2026", ContactSheet.cut("HUMAN-LORD", 8));
    }

    @Test
    void aClassNameThatFitsItsCellIsDrawnWhole() {
        assertEquals("HUMAN-LO", ContactSheet.cut("HUMAN-LO", 8));
        BufferedImage whole = sheet("HUMAN-LO");
        ContactSheet.Geometry g = ContactSheet.geometry(1, 32, 32, LABELLED);
        int top = g.y(0) + g.cellHeight() + 2;
        boolean lastLetterDrawn = false;
        for (int y = top; y < top + ContactSheet.CHAR_HEIGHT; y++) {
            for (int x = g.x(0) + 7 * ContactSheet.CHAR_ADVANCE; x < g.x(0) + g.cellWidth(); x++) {
                lastLetterDrawn |= whole.getRGB(x, y) == ContactSheet.TEXT;
            }
        }
        assertTrue(lastLetterDrawn, "the 8th letter is in the cell's last 8 pixels");
    }
}
