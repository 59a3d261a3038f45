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
 */
public final class ConfusionPicture {

    /** Cell side in pixels. */
    public static final int CELL = 28;
    /** Space around the grid and between labels and grid. */
    public static final int MARGIN = 6;
    static final int WHITE = 0xFFFFFFFF;
    /** The colour of a cell holding its whole row. */
    static final int FULL = 0xFF08306B;
    private static final int LABEL = 0xFF202020;
    private static final int GRID = 0xFFB0B0B0;

    private ConfusionPicture() {}

    /** Where the grid is: cell (row, column) spans {@code [x(column), x(column) + CELL)} and likewise down. */
    public record Layout(int left, int top, int classes, int width, int height) {
        public int x(int column) {
            return left + column * CELL;
        }

        public int y(int row) {
            return top + row * CELL;
        }
    }

    /** The layout of a matrix of {@code classes} whose longest name is {@code longestName} characters. */
    public static Layout layout(int classes, int longestName) {
        int left = MARGIN + longestName * ContactSheet.CHAR_ADVANCE + MARGIN;
        int top = MARGIN + longestName * (ContactSheet.CHAR_HEIGHT + 2) + MARGIN;
        return new Layout(left, top, classes, left + classes * CELL + MARGIN, top + classes * CELL + MARGIN);
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

    /** {@code counts[true][predicted]} over {@code classes}, as a picture. */
    public static BufferedImage render(List<String> classes, long[][] counts) {
        int n = classes.size();
        int longest = classes.stream().mapToInt(String::length).max().orElse(1);
        Layout l = layout(n, longest);
        BufferedImage image = new BufferedImage(l.width(), l.height(), BufferedImage.TYPE_INT_ARGB);
        ContactSheet.fill(image, 0, 0, l.width(), l.height(), WHITE);
        for (int i = 0; i < n; i++) {
            String name = classes.get(i);
            ContactSheet.drawText(image, name, MARGIN, l.y(i) + (CELL - ContactSheet.CHAR_HEIGHT) / 2,
                    longest * ContactSheet.CHAR_ADVANCE, LABEL);
            for (int c = 0; c < name.length(); c++) { // the column's name, downwards
                ContactSheet.drawText(image, name.substring(c, c + 1), l.x(i) + (CELL - ContactSheet.CHAR_ADVANCE) / 2 + 1,
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
                ContactSheet.fill(image, x, y, CELL, CELL, GRID);
                ContactSheet.fill(image, x + 1, y + 1, CELL - 1, CELL - 1, shade(share));
                String text = Long.toString(counts[row][col]);
                if (counts[row][col] > 0 && text.length() * ContactSheet.CHAR_ADVANCE <= CELL - 2) {
                    int width = text.length() * ContactSheet.CHAR_ADVANCE - 2;
                    ContactSheet.drawText(image, text, x + (CELL - width) / 2, y + (CELL - ContactSheet.CHAR_HEIGHT) / 2,
                            CELL, share > 0.5 ? WHITE : LABEL);
                }
            }
        }
        return image;
    }

    public static void write(List<String> classes, long[][] counts, Path file) throws IOException {
        ContactSheet.write(render(classes, counts), file);
    }
}
