package io.spritestream.producer.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.spritestream.record.ContentTypes;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** Real image bytes for the source tests: writing, reading back and checking PNGs. */
final class TestImages {

    private TestImages() {}

    /** Every sprite of {@code source}, in order. */
    static List<Sprite> collect(SpriteSource source) throws IOException {
        List<Sprite> sprites = new ArrayList<>();
        source.forEach(sprites::add);
        return sprites;
    }

    static BufferedImage decode(byte[] bytes) {
        try {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
            assertNotNull(image, "ImageIO cannot read the bytes");
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts the PNG signature and an IHDR of 8 bits per sample, colour type 6 (RGBA). */
    static void assertRgba8Png(byte[] png) {
        assertEquals(ContentTypes.PNG, ContentTypes.sniff(png), "not a PNG signature");
        assertEquals("IHDR", new String(png, 12, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(8, png[24], "bit depth");
        assertEquals(6, png[25], "colour type (6 = RGBA)");
    }

    static int[] argb(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }

    static BufferedImage argbImage(int width, int height, int[] argb) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
        image.setRGB(0, 0, width, height, argb, 0, width);
        return image;
    }

    static Path write(BufferedImage image, Path file) throws IOException {
        String format = file.getFileName().toString().replaceAll(".*\\.", "").toLowerCase(java.util.Locale.ROOT);
        if (!ImageIO.write(image, format, file.toFile())) {
            throw new IOException("no ImageIO writer for " + format);
        }
        return file;
    }
}
