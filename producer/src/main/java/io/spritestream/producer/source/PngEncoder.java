package io.spritestream.producer.source;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * Encodes images as 8-bit RGBA PNGs with ImageIO, reusing one PNG writer.
 *
 * <p>Output is a pure function of the pixels (ImageIO writes no time stamps), so the same image
 * always gives the same bytes. Not thread-safe: one encoder per thread. Close it to release the
 * writer.
 */
final class PngEncoder implements AutoCloseable {

    private final ImageWriter writer;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    PngEncoder() {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("png");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no ImageIO PNG writer in this JDK");
        }
        this.writer = writers.next();
    }

    /**
     * Encodes {@code argb} (which must be {@link BufferedImage#TYPE_INT_ARGB}, so the PNG is RGBA
     * with 8 bits per sample) and returns fresh bytes owned by the caller.
     */
    byte[] encode(BufferedImage argb) throws IOException {
        if (argb.getType() != BufferedImage.TYPE_INT_ARGB) {
            throw new IllegalArgumentException("image type: " + argb.getType()
                    + " (expected TYPE_INT_ARGB = " + BufferedImage.TYPE_INT_ARGB + ")");
        }
        out.reset();
        try (ImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(argb, null, null), null);
        } finally {
            writer.setOutput(null);
        }
        return out.toByteArray();
    }

    /** Copies {@code image} into a new {@link BufferedImage#TYPE_INT_ARGB} image if it is not one. */
    static BufferedImage toArgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_ARGB) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        BufferedImage argb = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(0, 0, w, h, image.getRGB(0, 0, w, h, null, 0, w), 0, w);
        return argb;
    }

    @Override
    public void close() {
        writer.dispose();
    }
}
