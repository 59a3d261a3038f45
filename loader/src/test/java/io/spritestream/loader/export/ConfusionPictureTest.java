package io.spritestream.loader.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The confusion picture's size is bounded whatever the class names and their number. */
class ConfusionPictureTest {

    /** Generous bounds of a picture: the names' margin plus the grid, each a few thousand pixels at most. */
    private static final int MOST_PIXELS_A_SIDE = 5000;

    @Test
    void aTenKilobyteClassNameIsCutAndThePictureStaysSmall() {
        List<String> classes = List.of("x".repeat(10_000), "coin");
        ConfusionPicture.Layout layout = ConfusionPicture.layout(classes.size(), 10_000);

        assertTrue(layout.width() < 400 && layout.height() < 400, layout.toString());
        BufferedImage picture = ConfusionPicture.render(classes, new long[][] {{3, 1}, {0, 4}});
        assertEquals(layout.width(), picture.getWidth());
        assertEquals(layout.height(), picture.getHeight());
    }

    @Test
    void theNamesMarginIsTheSameForEveryNameAtOrAboveTheLongestShown() {
        ConfusionPicture.Layout atLimit = ConfusionPicture.layout(3, ConfusionPicture.MAX_NAME_CHARS);

        assertEquals(atLimit, ConfusionPicture.layout(3, ConfusionPicture.MAX_NAME_CHARS + 1));
        assertEquals(atLimit, ConfusionPicture.layout(3, Integer.MAX_VALUE));
        assertTrue(ConfusionPicture.layout(3, 4).width() < atLimit.width(), "short names take less room");
    }

    @Test
    void manyClassesGetSmallerCellsAndThePictureStaysBounded() {
        int n = 1000;
        List<String> classes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            classes.add("class-" + i);
        }
        ConfusionPicture.Layout layout = ConfusionPicture.layout(n, 9);

        assertTrue(layout.width() <= MOST_PIXELS_A_SIDE && layout.height() <= MOST_PIXELS_A_SIDE, layout.toString());
        assertTrue(layout.cell() >= 1 && layout.x(n - 1) + layout.cell() <= layout.width(), layout.toString());
        BufferedImage picture = ConfusionPicture.render(classes, new long[n][n]);
        assertEquals(layout.width(), picture.getWidth());
    }

    @Test
    void cutTextEndsInAnEllipsisAndShortTextIsKept() {
        assertEquals("coin", ContactSheet.cut("coin", 8));
        assertEquals("abcdefg\u2026", ContactSheet.cut("abcdefghijk", 8), "every letter that fits but the last");
        assertEquals("abc", ContactSheet.cut("abcdefghijk", 3), "no room for an ellipsis");
    }
}
