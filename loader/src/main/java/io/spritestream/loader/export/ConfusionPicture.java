package io.spritestream.loader.export;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A confusion matrix as a picture: one square cell per (true class, predicted class), true classes
 * down the left, predicted classes across the top (their names written downwards), each cell
 * shaded by the share of its row it holds (white for none, dark blue for all: a row's shades are
 * that class's recall spread over the predictions), with its count written in it when it fits.
 *
 * <p>The picture is bounded whatever the classes: a name is cut after {@value #MAX_NAME_CHARS}
 * characters (ending in {@code ...}), and with many classes the cells shrink so that the grid is at
 * most {@value #MAX_GRID} pixels a side (names are then written only while a cell has room for
 * them); more than {@value #MAX_CLASSES} classes are not drawn at all.
 */
public final class ConfusionPicture {

    /** Cell side in pixels, as long as the grid fits in {@link #MAX_GRID}. */
    public static final int CELL = 28;
    /** Characters of a class name written; a longer one is cut, ending in {@code ...}. */
    public static final int MAX_NAME_CHARS = 24;
    /** Most pixels the grid of cells spans a side. */
    public static final int MAX_GRID = 4096;
    /** Most classes a picture shows (a cell of one pixel each). */
    public static final int MAX_CLASSES = MAX_GRID;
    /** Smallest cell that has room for the class names along the grid. */
    private static final int NAMED_CELL = ContactSheet.CHAR_HEIGHT + 2;
    /** Space around the grid and between labels and grid. */
    public static final int MARGIN = 6;
    static final int WHITE = 0xFFFFFFFF;
    /** The colour of a cell holding its whole row. */
    static final int FULL = 0xFF08306B;
    private static final int LABEL = 0xFF202020;
    private static final int GRID = 0xFFB0B0B0;

    private ConfusionPicture() {}

    /** Where the grid is: cell (row, column) spans {@code [x(column), x(column) + cell)} and likewise down. */
    public record Layout(int left, int top, int classes, int cell, int width, int height) {
        public int x(int column) {
            return left + column * cell;
        }

        public int y(int row) {
            return top + row * cell;
        }

        /** Whether the cells have room for the class names along the grid. */
        public boolean named() {
            return cell >= NAMED_CELL;
        }
    }

    /**
     * The layout of a matrix of {@code classes} (1 to {@link #MAX_CLASSES}) whose longest name is
     * {@code longestName} characters (as written: at most {@link #MAX_NAME_CHARS} count).
     */
    public static Layout layout(int classes, int longestName) {
        if (classes < 1 || classes > MAX_CLASSES) {
            throw new IllegalArgumentException("confusion picture: " + classes + " classes (expected 1.." + MAX_CLASSES
                    + ")");
        }
        int cell = Math.min(CELL, MAX_GRID / classes);
        int name = cell >= NAMED_CELL ? Math.max(1, Math.min(longestName, MAX_NAME_CHARS)) : 0;
        int left = MARGIN + name * ContactSheet.CHAR_ADVANCE + MARGIN;
        int top = MARGIN + name * (ContactSheet.CHAR_HEIGHT + 2) + MARGIN;
        return new Layout(left, top, classes, cell, left + classes * cell + MARGIN, top + classes * cell + MARGIN);
    }

    /**
     * The colour of a cell holding {@code share} (0..1) of its row: white to {@link #FULL}, each
     * channel in a straight line.
     */
    public static int shade(double share) {
        double s = Math.max(0, Math.min(1, share));
        int r = (int) Math.round(255 + s * (((FULL >> 16) & 0xFF) - 255));
        int g = (int) Math.round(255 + s * (((FULL >> 8) & 0xFF) - 255));
        int b = (int) Math.round(255 + s * ((FULL & 0xFF) - 255));
        return 0xFF000000 | r << 16 | g << 8 | b;
    }

    /**
     * {@code counts[true][predicted]} over {@code classes} (at most {@link #MAX_CLASSES}), as a
     * picture of {@link #layout}'s size.
     */
    public static BufferedImage render(List<String> classes, long[][] counts) {
        int n = classes.size();
        int longest = classes.stream().mapToInt(String::length).max().orElse(1);
        Layout l = layout(n, longest);
        int cell = l.cell();
        BufferedImage image = new BufferedImage(l.width(), l.height(), BufferedImage.TYPE_INT_ARGB);
        ContactSheet.fill(image, 0, 0, l.width(), l.height(), WHITE);
        int nameChars = Math.min(longest, MAX_NAME_CHARS);
        for (int i = 0; l.named() && i < n; i++) {
            String name = ContactSheet.cut(classes.get(i), MAX_NAME_CHARS);
            ContactSheet.drawText(image, name, MARGIN, l.y(i) + (cell - ContactSheet.CHAR_HEIGHT) / 2,
                    nameChars * ContactSheet.CHAR_ADVANCE, LABEL);
            for (int c = 0; c < name.length(); c++) { // the column's name, downwards
                ContactSheet.drawText(image, name.substring(c, c + 1), l.x(i) + (cell - ContactSheet.CHAR_ADVANCE) / 2 + 1,
                        MARGIN + c * (ContactSheet.CHAR_HEIGHT + 2), ContactSheet.CHAR_ADVANCE, LABEL);
            }
        }
        for (int row = 0; row < n; row++) {
            long total = 0;
            for (long v : counts[row]) {
                total += v;
            }
            for (int col = 0; col < n; col++) {
                double share = total == 0 ? 0 : (double) counts[row][col] / total;
                int x = l.x(col);
                int y = l.y(row);
                if (cell > 2) {
                    ContactSheet.fill(image, x, y, cell, cell, GRID);
                    ContactSheet.fill(image, x + 1, y + 1, cell - 1, cell - 1, shade(share));
                } else {
                    ContactSheet.fill(image, x, y, cell, cell, shade(share));
                }
                String text = Long.toString(counts[row][col]);
                if (counts[row][col] > 0 && text.length() * ContactSheet.CHAR_ADVANCE <= cell - 2
                        && ContactSheet.CHAR_HEIGHT <= cell - 2) {
                    int width = text.length() * ContactSheet.CHAR_ADVANCE - 2;
                    ContactSheet.drawText(image, text, x + (cell - width) / 2, y + (cell - ContactSheet.CHAR_HEIGHT) / 2,
                            cell, share > 0.5 ? WHITE : LABEL);
                }
            }
        }
        return image;
    }

    public static void write(List<String> classes, long[][] counts, Path file) throws IOException {
        ContactSheet.write(render(classes, counts), file);
    }
}
