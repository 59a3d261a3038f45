package io.spritestream.producer.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.spritestream.record.ContentTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class HeaderCheckTest {

    @Test
    void wholeImagesOfEveryTypeWrittenByImageIoPass() throws IOException {
        assertNull(HeaderCheck.problem(encoded("png"), ContentTypes.PNG));
        assertNull(HeaderCheck.problem(encoded("jpg"), ContentTypes.JPEG));
        assertNull(HeaderCheck.problem(encoded("bmp"), ContentTypes.BMP));
    }

    @Test
    void aPngWithBytesAfterItsIendPasses() throws IOException {
        byte[] png = encoded("png");
        byte[] padded = Arrays.copyOf(png, png.length + 10);

        assertNull(HeaderCheck.problem(padded, ContentTypes.PNG));
    }

    @Test
    void aTextFileNamedPngIsTextNotAPng() {
        byte[] text = "cat, 12 px, from the old set\n".getBytes(StandardCharsets.UTF_8);

        assertEquals("text, not a PNG", HeaderCheck.problem(text, ContentTypes.PNG));
    }

    @Test
    void aPngCutShortSaysWhereItEnds() throws IOException {
        byte[] png = encoded("png");
        byte[] cut = Arrays.copyOf(png, png.length - 20);

        assertEquals("a PNG cut short: no IEND after " + cut.length + " bytes", HeaderCheck.problem(cut, ContentTypes.PNG));
    }

    @Test
    void aPngCutInsideItsSignatureOrFirstChunkHeaderIsCutShort() throws IOException {
        byte[] png = encoded("png");

        assertEquals("a PNG cut short: no IEND after 12 bytes", HeaderCheck.problem(Arrays.copyOf(png, 12), ContentTypes.PNG));
        assertEquals("empty, not a PNG", HeaderCheck.problem(new byte[0], ContentTypes.PNG));
    }

    @Test
    void aPngWhoseChunkLengthPointsIntoGarbageIsBrokenAtThatByte() throws IOException {
        byte[] png = encoded("png");
        png[8 + 8 + 13 + 4 + 4] = '1'; // the second chunk's type (after the 13-byte IHDR) is no longer letters

        assertEquals("a PNG broken at byte 33 (no chunk there)", HeaderCheck.problem(png, ContentTypes.PNG));
    }

    @Test
    void anImageOfAnotherTypeAndUnknownBytesAreNamed() throws IOException {
        assertEquals("a JPEG, not a PNG", HeaderCheck.problem(encoded("jpg"), ContentTypes.PNG));
        assertEquals("a PNG, not a JPEG", HeaderCheck.problem(encoded("png"), ContentTypes.JPEG));
        assertEquals("unknown bytes (00 01 02 03 ...), not a BMP",
                HeaderCheck.problem(new byte[] {0, 1, 2, 3, 4}, ContentTypes.BMP));
    }

    @Test
    void aBmpShorterThanItsHeaderDeclaresIsCutShort() throws IOException {
        byte[] bmp = encoded("bmp");
        byte[] cut = Arrays.copyOf(bmp, bmp.length - 5);

        assertEquals("a BMP cut short: " + cut.length + " bytes of the " + bmp.length + " its header declares",
                HeaderCheck.problem(cut, ContentTypes.BMP));
    }

    @Test
    void aWebpShorterThanItsRiffSizeIsCutShort() {
        byte[] webp = new byte[30];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, webp, 0, 4);
        webp[4] = 92; // the RIFF size: 92 bytes after the first 8
        System.arraycopy("WEBPVP8 ".getBytes(StandardCharsets.US_ASCII), 0, webp, 8, 8);

        assertEquals("a WebP cut short: 30 bytes of the 100 its header declares",
                HeaderCheck.problem(webp, ContentTypes.WEBP));
    }

    @Test
    void theSyntheticSpritesPass() throws IOException {
        for (Sprite sprite : TestImages.collect(new SyntheticSprites(64, 4, 16, 1))) {
            assertNull(HeaderCheck.problem(sprite.bytes(), sprite.contentType()), sprite.key());
        }
    }

    private static byte[] encoded(String format) throws IOException {
        int[] argb = new int[6 * 5];
        for (int i = 0; i < argb.length; i++) {
            argb[i] = 0xFF000000 | i * 0x010203;
        }
        java.awt.image.BufferedImage image = TestImages.argbImage(6, 5, argb);
        if (!format.equals("png")) {
            java.awt.image.BufferedImage rgb = new java.awt.image.BufferedImage(6, 5,
                    java.awt.image.BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(image, 0, 0, null);
            image = rgb;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(image, format, out)) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return out.toByteArray();
    }
}
