package io.spritestream.producer.source;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.SplittableRandom;

/**
 * Paints one synthetic sprite: samples an {@link SpriteArchetype} on a coarse grid of cells (16x16,
 * or fewer for tiny sprites), colours the cells pixel-art style (light top-left rim, dark
 * bottom-right rim, optional dark outline on grids of 12 cells or more, a few noise cells), then scales the grid up to the sprite
 * size, nearest-neighbour, on a transparent black background.
 *
 * <p>The look varies within a class (offset, scale, aspect, shade, outline, noise) only through the
 * given random source, so a seeded source gives the same pixels every time. Not thread-safe: the
 * painter reuses its image; one painter per thread.
 */
final class SpritePainter {

    /** Cells per side of the pixel-art grid. */
    static final int GRID = 16;

    /** Below this many cells a side, an outline would swallow the shape. */
    private static final int MIN_GRID_FOR_OUTLINE = 12;
    private static final int TRANSPARENT = 0x00000000;

    private final int size;
    private final int grid;
    private final int[] parts;
    private final int[] cells;
    private final BufferedImage image;
    private final int[] pixels;
    private final int[] cellOfPixel;

    SpritePainter(int size) {
        this.size = size;
        this.grid = Math.min(GRID, size);
        this.parts = new int[grid * grid];
        this.cells = new int[grid * grid];
        this.image = new BufferedImage(size, size, BufferedImage.TYPE_INT_ARGB);
        this.pixels = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        this.cellOfPixel = new int[size];
        for (int i = 0; i < size; i++) {
            cellOfPixel[i] = i * grid / size;
        }
    }

    /**
     * Paints a sprite of {@code shape} around {@code hue} and returns the painter's own image
     * (TYPE_INT_ARGB, valid until the next call).
     */
    BufferedImage paint(SpriteArchetype shape, double hue, SplittableRandom random) {
        sampleShape(shape, random);
        Palette palette = Palette.draw(shape, hue, random);
        colourCells(palette);
        boolean outlined = random.nextDouble() < 0.5;
        if (outlined && grid >= MIN_GRID_FOR_OUTLINE) {
            outline(palette.outline);
        }
        sprinkleNoise(random);
        scaleUp();
        return image;
    }

    private void sampleShape(SpriteArchetype shape, SplittableRandom random) {
        double scale = 0.8 + 0.2 * random.nextDouble();
        double radius = grid * 0.42 * scale;
        double radiusU = radius * (0.94 + 0.12 * random.nextDouble());
        double radiusV = radius * (0.94 + 0.12 * random.nextDouble());
        double jitter = grid / 16.0;
        double centreU = grid / 2.0 + jitter * (2 * random.nextDouble() - 1);
        double centreV = grid / 2.0 + jitter * (2 * random.nextDouble() - 1);
        for (int y = 0; y < grid; y++) {
            double v = (y + 0.5 - centreV) / radiusV;
            for (int x = 0; x < grid; x++) {
                double u = (x + 0.5 - centreU) / radiusU;
                parts[y * grid + x] = shape.part(u, v);
            }
        }
    }

    /** Light comes from the top left: cells on that rim are lighter, cells on the opposite rim darker. */
    private void colourCells(Palette palette) {
        for (int y = 0; y < grid; y++) {
            for (int x = 0; x < grid; x++) {
                int part = parts[y * grid + x];
                int colour;
                if (part == SpriteArchetype.NONE) {
                    colour = TRANSPARENT;
                } else if (part == SpriteArchetype.SHINE) {
                    colour = palette.shine;
                } else {
                    int[] shades = part == SpriteArchetype.BODY ? palette.body : palette.detail;
                    if (partAt(x - 1, y - 1) == SpriteArchetype.NONE) {
                        colour = shades[Palette.LIGHT];
                    } else if (partAt(x + 1, y + 1) == SpriteArchetype.NONE) {
                        colour = shades[Palette.DARK];
                    } else {
                        colour = shades[Palette.BASE];
                    }
                }
                cells[y * grid + x] = colour;
            }
        }
    }

    private void outline(int colour) {
        for (int y = 0; y < grid; y++) {
            for (int x = 0; x < grid; x++) {
                if (parts[y * grid + x] == SpriteArchetype.NONE
                        && (partAt(x - 1, y) != SpriteArchetype.NONE || partAt(x + 1, y) != SpriteArchetype.NONE
                        || partAt(x, y - 1) != SpriteArchetype.NONE || partAt(x, y + 1) != SpriteArchetype.NONE)) {
                    cells[y * grid + x] = colour;
                }
            }
        }
    }

    /** Up to three cells of the shape get a little lighter or darker, as hand-drawn sprites do. */
    private void sprinkleNoise(SplittableRandom random) {
        int noise = random.nextInt(4);
        for (int attempt = 0; attempt < 4 * noise && noise > 0; attempt++) {
            int i = random.nextInt(cells.length);
            if (parts[i] != SpriteArchetype.NONE) {
                cells[i] = random.nextBoolean() ? Palette.mix(cells[i], 0xFFFFFFFF, 0.3)
                        : Palette.mix(cells[i], 0xFF000000, 0.3);
                noise--;
            }
        }
    }

    private void scaleUp() {
        for (int y = 0; y < size; y++) {
            int row = cellOfPixel[y] * grid;
            int offset = y * size;
            for (int x = 0; x < size; x++) {
                pixels[offset + x] = cells[row + cellOfPixel[x]];
            }
        }
    }

    private int partAt(int x, int y) {
        if (x < 0 || y < 0 || x >= grid || y >= grid) {
            return SpriteArchetype.NONE;
        }
        return parts[y * grid + x];
    }

    /** The colours of one sprite, all opaque ARGB. */
    private static final class Palette {
        static final int BASE = 0;
        static final int LIGHT = 1;
        static final int DARK = 2;

        final int[] body;
        final int[] detail;
        final int shine;
        final int outline;

        private Palette(int[] body, int[] detail, int shine, int outline) {
            this.body = body;
            this.detail = detail;
            this.shine = shine;
            this.outline = outline;
        }

        static Palette draw(SpriteArchetype shape, double classHue, SplittableRandom random) {
            double hue = classHue + 0.04 * (random.nextDouble() - 0.5);
            float saturation = clamp(0.78 * (0.85 + 0.2 * random.nextDouble()));
            double value = 0.82 + 0.26 * random.nextDouble();
            int[] body = shades(hue, saturation, clamp(0.9 * value));
            int[] detail = switch (shape.secondary()) {
                case COMPLEMENT -> shades(hue + 0.5, saturation * 0.8f, clamp(0.85 * value));
                case PALE -> shades(hue, 0.15f, clamp(0.95 * value));
                case CREAM -> shades(0.11, 0.25f, clamp(0.95 * value));
                case GOLD -> shades(0.13, 0.8f, clamp(0.9 * value));
                case BROWN -> shades(0.07, 0.65f, clamp(0.55 * value));
            };
            int shine = hsb(hue, saturation * 0.25f, 1.0f);
            int outline = hsb(hue, saturation * 0.8f, 0.22f);
            return new Palette(body, detail, shine, outline);
        }

        private static int[] shades(double hue, float saturation, float value) {
            int[] shades = new int[3];
            shades[BASE] = hsb(hue, saturation, value);
            shades[LIGHT] = hsb(hue, saturation * 0.7f, clamp(value * 1.25 + 0.05));
            shades[DARK] = hsb(hue, saturation, value * 0.65f);
            return shades;
        }

        private static int hsb(double hue, float saturation, float value) {
            float turn = (float) (hue - Math.floor(hue));
            return Color.HSBtoRGB(turn, saturation, value) | 0xFF000000;
        }

        static int mix(int argb, int towards, double amount) {
            int result = 0xFF000000;
            for (int shift = 0; shift <= 16; shift += 8) {
                int a = (argb >>> shift) & 0xFF;
                int b = (towards >>> shift) & 0xFF;
                result |= ((int) Math.round(a + (b - a) * amount)) << shift;
            }
            return result;
        }

        private static float clamp(double x) {
            return (float) Math.max(0, Math.min(1, x));
        }
    }
}
