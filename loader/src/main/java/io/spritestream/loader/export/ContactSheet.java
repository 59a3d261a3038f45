package io.spritestream.loader.export;

import io.spritestream.files.OwnerOnly;
import io.spritestream.config.InvalidSettingException;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.memory.SlabLayout;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A PNG contact sheet of one batch as the loader delivered it: every sample in a grid, upscaled by a
 * whole factor with nearest-neighbour (each pixel a {@code scale x scale} block), optionally with its
 * class name under it, so that colours, alpha and fitting can be checked by eye.
 *
 * <p>Samples are written as delivered: RGBA stays RGBA (transparent pixels stay transparent in the
 * PNG; with {@link Layout#checker} they are composited over a grey checkerboard instead), RGB is
 * opaque, gray is replicated. The gaps between cells are opaque dark grey; labels are drawn with a
 * built-in 3x5 pixel font (no system fonts needed).
 */
public final class ContactSheet {

    static final int BACKGROUND = 0xFF303030;
    static final int TEXT = 0xFFE0E0E0;
    private static final int CHECK_LIGHT = 0xFFC8C8C8;
    private static final int CHECK_DARK = 0xFF989898;
    private static final int GLYPH_W = 3;
    private static final int GLYPH_H = 5;
    /** Pixels from one character of {@link #drawText} to the next. */
    static final int CHAR_ADVANCE = 2 * (GLYPH_W + 1);
    /** Pixels a line of {@link #drawText} is high. */
    static final int CHAR_HEIGHT = 2 * GLYPH_H;

    private ContactSheet() {}

    /**
     * How the sheet is laid out.
     *
     * @param columns cells per row (0: about square)
     * @param scale   upscaling factor (0: so that a cell is at least 64 pixels wide)
     * @param gap     pixels between cells and around the grid
     * @param labels  class names under the cells
     * @param checker composite transparent pixels over a checkerboard
     */
    public record Layout(int columns, int scale, int gap, boolean labels, boolean checker) {
        public Layout {
            if (columns < 0 || columns > 1024) {
                throw InvalidSettingException.of("columns", columns, "0..1024, 0 for automatic");
            }
            if (scale < 0 || scale > 64) {
                throw InvalidSettingException.of("scale", scale, "0..64, 0 for automatic");
            }
            if (gap < 0 || gap > 64) {
                throw new IllegalArgumentException("gap: " + gap + " (expected 0..64)");
            }
        }
    }

    /** Where everything goes on a sheet of {@code n} samples of {@code width x height}. */
    public record Geometry(int samples, int columns, int rows, int scale, int gap, int cellWidth, int cellHeight,
                           int labelHeight, int width, int height) {

        /** Left edge of sample {@code i}'s pixels. */
        public int x(int i) {
            return gap + (i % columns) * (cellWidth + gap);
        }

        /** Top edge of sample {@code i}'s pixels. */
        public int y(int i) {
            return gap + (i / columns) * (cellHeight + labelHeight + gap);
        }
    }

    public static Geometry geometry(int samples, int width, int height, Layout layout) {
        int columns = layout.columns() > 0 ? layout.columns() : (int) Math.ceil(Math.sqrt(samples));
        columns = Math.max(1, Math.min(columns, samples));
        int rows = (samples + columns - 1) / columns;
        int scale = layout.scale() > 0 ? layout.scale() : Math.max(1, Math.min(16, (64 + width - 1) / width));
        int cellWidth = width * scale;
        int cellHeight = height * scale;
        int labelHeight = layout.labels() ? 2 * GLYPH_H + 4 : 0;
        int gap = layout.gap();
        long sheetWidth = gap + (long) columns * (cellWidth + gap);
        long sheetHeight = gap + (long) rows * (cellHeight + labelHeight + gap);
        if (sheetWidth * sheetHeight > (1L << 28)) {
            throw new IllegalArgumentException("contact sheet: " + sheetWidth + "x" + sheetHeight
                    + " pixels (expected at most 2^28: a smaller --scale or --batch)");
        }
        return new Geometry(samples, columns, rows, scale, gap, cellWidth, cellHeight, labelHeight, (int) sheetWidth,
                (int) sheetHeight);
    }

    /** The sheet of {@code batch} (an open CPU batch), as an ARGB image. */
    public static BufferedImage render(SpriteBatch batch, Layout layout) {
        int[] shape = shapeOf(batch);
        List<String> classes = batch.classes();
        return render(batch.pixelBytes(), batch.size(), shape[1], shape[2], shape[3], i -> {
            int label = batch.label(i);
            return label >= 0 && label < classes.size() ? classes.get(label) : "?";
        }, layout);
    }

    /**
     * The sheet of {@code n} samples of {@code height x width x channels} bytes back to back in
     * {@code pixels}, each captioned by {@code caption} (with {@link Layout#labels()}).
     */
    public static BufferedImage render(ByteBuffer pixels, int n, int height, int width, int channels,
                                       java.util.function.IntFunction<String> caption, Layout layout) {
        int sampleBytes = height * width * channels;
        Geometry g = geometry(n, width, height, layout);
        BufferedImage sheet = new BufferedImage(g.width(), g.height(), BufferedImage.TYPE_INT_ARGB);
        fill(sheet, 0, 0, g.width(), g.height(), BACKGROUND);
        for (int i = 0; i < n; i++) {
            int base = i * sampleBytes;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int argb = argb(pixels, base + (y * width + x) * channels, channels);
                    int px = g.x(i) + x * g.scale();
                    int py = g.y(i) + y * g.scale();
                    for (int dy = 0; dy < g.scale(); dy++) {
                        for (int dx = 0; dx < g.scale(); dx++) {
                            int out = layout.checker() ? overChecker(argb, px + dx - g.x(i), py + dy - g.y(i), g.scale())
                                    : argb;
                            sheet.setRGB(px + dx, py + dy, out);
                        }
                    }
                }
            }
            if (layout.labels()) {
                drawText(sheet, caption.apply(i), g.x(i), g.y(i) + g.cellHeight() + 2, g.cellWidth());
            }
        }
        return sheet;
    }

    /** Writes {@code sheet} as a PNG (folders made as needed). */
    public static void write(BufferedImage sheet, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            OwnerOnly.createDirectories(parent);
        }
        // Through a stream of a file made owner-only: ImageIO.write(.., File) deletes and recreates it.
        try (java.io.OutputStream out = new java.io.BufferedOutputStream(java.nio.channels.Channels.newOutputStream(
                OwnerOnly.open(OwnerOnly.emptyFile(file), java.nio.file.StandardOpenOption.WRITE)))) {
            if (!ImageIO.write(sheet, "png", out)) {
                throw new IOException("no PNG writer available");
            }
        }
    }

    /** Renders {@code batch} and writes it as a PNG. */
    public static Geometry write(SpriteBatch batch, Layout layout, Path file) throws IOException {
        write(render(batch, layout), file);
        int[] shape = shapeOf(batch);
        return geometry(batch.size(), shape[2], shape[1], layout);
    }

    /** {@code [n, H, W, C]} of the batch's images. */
    private static int[] shapeOf(SpriteBatch batch) {
        SlabLayout l = batch.layout();
        return new int[] {batch.size(), l.height(), l.width(), l.channels()};
    }

    /** ARGB of one delivered pixel: RGBA as is, RGB opaque, gray replicated and opaque. */
    static int argb(ByteBuffer pixels, int at, int channels) {
        int r = pixels.get(at) & 0xFF;
        if (channels == 1) {
            return 0xFF000000 | r << 16 | r << 8 | r;
        }
        int g = pixels.get(at + 1) & 0xFF;
        int b = pixels.get(at + 2) & 0xFF;
        int a = channels == 4 ? pixels.get(at + 3) & 0xFF : 0xFF;
        return a << 24 | r << 16 | g << 8 | b;
    }

    /** {@code argb} over a checkerboard of squares 4 source pixels wide ({@code x, y} in sheet pixels within the cell). */
    static int overChecker(int argb, int x, int y, int scale) {
        int square = 4 * scale;
        int back = ((x / square) + (y / square)) % 2 == 0 ? CHECK_LIGHT : CHECK_DARK;
        int a = argb >>> 24;
        int r = blend(argb >>> 16 & 0xFF, back >>> 16 & 0xFF, a);
        int g = blend(argb >>> 8 & 0xFF, back >>> 8 & 0xFF, a);
        int b = blend(argb & 0xFF, back & 0xFF, a);
        return 0xFF000000 | r << 16 | g << 8 | b;
    }

    private static int blend(int front, int back, int alpha) {
        return (front * alpha + back * (255 - alpha) + 127) / 255;
    }

    static void fill(BufferedImage image, int x0, int y0, int w, int h, int argb) {
        int[] row = new int[w];
        java.util.Arrays.fill(row, argb);
        for (int y = y0; y < y0 + h; y++) {
            image.setRGB(x0, y, w, 1, row, 0, w);
        }
    }

    /** The ellipsis that ends a cut text: one character wide, its three dots drawn by {@link #drawText}. */
    static final char ELLIPSIS = '\u2026';

    /**
     * {@code text} if it has at most {@code maxChars} characters, else cut to them, the last one an
     * {@link #ELLIPSIS} (one character, so a cut name keeps all the letters but one that fit;
     * without one when fewer than 4 fit).
     */
    static String cut(String text, int maxChars) {
        if (text.length() <= maxChars) {
            return text;
        }
        return maxChars < 4 ? text.substring(0, maxChars) : text.substring(0, maxChars - 1) + ELLIPSIS;
    }

    /** {@code text} in the built-in font at twice its size, cut to {@code maxWidth} pixels. */
    static void drawText(BufferedImage image, String text, int x0, int y0, int maxWidth) {
        drawText(image, text, x0, y0, maxWidth, TEXT);
    }

    /**
     * {@code text} in {@code argb}; each character {@link #CHAR_ADVANCE} pixels on, {@link #CHAR_HEIGHT}
     * high; cut to {@code maxWidth} ({@link #cut}).
     */
    static void drawText(BufferedImage image, String text, int x0, int y0, int maxWidth, int argb) {
        int advance = 2 * (GLYPH_W + 1);
        String shown = cut(text, Math.max(0, (maxWidth + 2) / advance));
        for (int c = 0; c < shown.length(); c++) {
            if (shown.charAt(c) == ELLIPSIS) { // three dots in one character's room: 2 pixels each, 1 apart
                for (int dot = 0; dot < 3; dot++) {
                    fill(image, x0 + c * advance + 3 * dot, y0 + 2 * (GLYPH_H - 1), 2, 2, argb);
                }
                continue;
            }
            String glyph = PixelFont.glyph(shown.charAt(c));
            for (int gy = 0; gy < GLYPH_H; gy++) {
                for (int gx = 0; gx < GLYPH_W; gx++) {
                    if (glyph.charAt(gy * GLYPH_W + gx) == '1') {
                        fill(image, x0 + c * advance + 2 * gx, y0 + 2 * gy, 2, 2, argb);
                    }
                }
            }
        }
    }

    /**
     * A 3x5 pixel font: lower and upper case letters alike, digits and {@code -_./@?><:,()+=#}; accented
     * Latin letters as their letter; any other character as a solid block (never as {@code ?}, which
     * is a character of its own).
     */
    static final class PixelFont {
        private static final String[] LETTERS = {
            "010101111101101", "110101110101110", "011100100100011", "110101101101110", "111100110100111",
            "111100110100100", "011100101101011", "101101111101101", "111010010010111", "001001001101010",
            "101101110101101", "100100100100111", "101111111101101", "110101101101101", "010101101101010",
            "110101110100100", "010101101110011", "110101110101101", "011100010001110", "111010010010010",
            "101101101101111", "101101101101010", "101101111111101", "101101010101101", "101101010010010",
            "111001010100111"};
        private static final String[] DIGITS = {
            "111101101101111", "010110010010111", "110001010100111", "110001010001110", "101101111001001",
            "111100110001110", "011100111101111", "111001010010010", "111101111101111", "111101111001110"};

        private PixelFont() {}

        /** Drawn for a character the font has no likeness of (not a letter with an accent the font can drop). */
        static final String UNKNOWN = "111111111111111";

        static String glyph(char c) {
            if (c > 127) {
                // An accented Latin letter is drawn as its letter (é as e); anything else as a solid block.
                String base = java.text.Normalizer.normalize(String.valueOf(c), java.text.Normalizer.Form.NFD);
                char first = base.isEmpty() ? c : base.charAt(0);
                return first < 128 && Character.isLetter(first) ? glyph(first) : UNKNOWN;
            }
            char lower = Character.toLowerCase(c);
            if (lower >= 'a' && lower <= 'z') {
                return LETTERS[lower - 'a'];
            }
            if (c >= '0' && c <= '9') {
                return DIGITS[c - '0'];
            }
            return switch (c) {
                case ' ' -> "000000000000000";
                case '-' -> "000000111000000";
                case '_' -> "000000000000111";
                case '.' -> "000000000000010";
                case '/' -> "001001010100100";
                case '@' -> "010101111100011";
                case '>' -> "100010001010100";
                case '<' -> "001010100010001";
                case ':' -> "000010000010000";
                case ',' -> "000000000010100";
                case '(' -> "010100100100010";
                case ')' -> "010001001001010";
                case '+' -> "000010111010000";
                case '=' -> "000111000111000";
                case '#' -> "101111101111101";
                default -> "110001010000010"; // '?'
            };
        }
    }

    /** e.g. {@code 64 sprites, 8 x 8 cells of 64x64 px (scale 2), 530x530 px}. */
    public static String describe(Geometry g) {
        return String.format(Locale.ROOT, "%d sprites, %d x %d cells of %dx%d px (scale %d), %dx%d px", g.samples(),
                g.columns(), g.rows(), g.cellWidth(), g.cellHeight(), g.scale(), g.width(), g.height());
    }
}
