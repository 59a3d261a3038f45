package io.spritestream.producer.source;

import io.spritestream.record.ContentTypes;
import io.spritestream.record.LabelRule;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.imageio.ImageIO;

/**
 * The tiles of one sprite sheet: the sheet is cut into a grid of equal tiles, read row by row,
 * left to right; fully transparent tiles (the gaps of the sheet) are skipped; each other tile is
 * encoded as an 8-bit RGBA PNG. Keys are {@code <sheet file name>/r<row>c<col>} (row and column
 * of the tile in the grid, from 0); every tile has the same label.
 *
 * <p>The sheet is decoded once, at construction, and kept in memory; tiles are encoded when
 * streamed. Not thread-safe: one caller at a time.
 */
public final class SpriteSheetSource implements SpriteSource {

    private final String sheetName;
    private final int tileWidth;
    private final int tileHeight;
    private final String label;
    private final BufferedImage sheet;
    private final int[] tileRows;
    private final int[] tileCols;

    /** A sheet labelled with its file name without the extension ({@code items.png} -> {@code items}). */
    public SpriteSheetSource(Path sheetPng, int tileWidth, int tileHeight) {
        this(sheetPng, tileWidth, tileHeight, null);
    }

    /**
     * @param sheetPng   the sheet (PNG, or any other format ImageIO reads)
     * @param tileWidth  width of a tile in pixels; the sheet's width must be a multiple of it
     * @param tileHeight height of a tile in pixels; the sheet's height must be a multiple of it
     * @param label      class name of every tile; {@code null} for the file name without extension
     * @throws IllegalArgumentException if the sheet is missing or unreadable, its size is not a
     *                                  multiple of the tile, a tile size is below 1, the label (or,
     *                                  without one, the file name) is no class name
     *                                  ({@link LabelRule}), or every tile is transparent
     */
    public SpriteSheetSource(Path sheetPng, int tileWidth, int tileHeight, String label) {
        if (tileWidth < 1 || tileHeight < 1) {
            throw new IllegalArgumentException("tile: " + tileWidth + "x" + tileHeight + " (expected at least 1x1)");
        }
        if (label != null) {
            LabelRule.require("label", label);
        }
        this.sheetName = sheetPng.getFileName().toString();
        if (label == null && LabelRule.problem(withoutExtension(sheetName)) != null) {
            throw new IllegalArgumentException("sprite sheet " + sheetPng + ": its name "
                    + LabelRule.problem(withoutExtension(sheetName)) + "; give the tiles' class name with --label NAME");
        }
        this.tileWidth = tileWidth;
        this.tileHeight = tileHeight;
        this.label = label != null ? label : withoutExtension(sheetName);
        this.sheet = PngEncoder.toArgb(read(sheetPng));
        if (sheet.getWidth() % tileWidth != 0 || sheet.getHeight() % tileHeight != 0) {
            throw new IllegalArgumentException("sprite sheet " + sheetPng + " is " + sheet.getWidth() + "x"
                    + sheet.getHeight() + ", not a multiple of the tile " + tileWidth + "x" + tileHeight);
        }
        List<int[]> tiles = visibleTiles();
        if (tiles.isEmpty()) {
            throw new IllegalArgumentException("sprite sheet " + sheetPng + " has only fully transparent "
                    + tileWidth + "x" + tileHeight + " tiles");
        }
        this.tileRows = tiles.stream().mapToInt(t -> t[0]).toArray();
        this.tileCols = tiles.stream().mapToInt(t -> t[1]).toArray();
    }

    private static BufferedImage read(Path sheetPng) {
        if (!Files.isRegularFile(sheetPng)) {
            throw new IllegalArgumentException("sprite sheet " + sheetPng + " does not exist or is not a file");
        }
        BufferedImage image;
        try {
            image = ImageIO.read(sheetPng.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("sprite sheet " + sheetPng + " cannot be read: " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IllegalArgumentException("sprite sheet " + sheetPng + " is not an image ImageIO can read");
        }
        return image;
    }

    private static String withoutExtension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    /** The (row, col) of every tile with at least one pixel that is not fully transparent, row by row. */
    private List<int[]> visibleTiles() {
        List<int[]> tiles = new ArrayList<>();
        int[] pixels = new int[tileWidth * tileHeight];
        for (int row = 0; row < sheet.getHeight() / tileHeight; row++) {
            for (int col = 0; col < sheet.getWidth() / tileWidth; col++) {
                sheet.getRGB(col * tileWidth, row * tileHeight, tileWidth, tileHeight, pixels, 0, tileWidth);
                if (!fullyTransparent(pixels)) {
                    tiles.add(new int[] {row, col});
                }
            }
        }
        return tiles;
    }

    private static boolean fullyTransparent(int[] argb) {
        for (int pixel : argb) {
            if ((pixel >>> 24) != 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public long size() {
        return tileRows.length;
    }

    @Override
    public List<String> classes() {
        return List.of(label);
    }

    @Override
    public void forEach(Consumer<Sprite> sink) throws IOException {
        BufferedImage tile = new BufferedImage(tileWidth, tileHeight, BufferedImage.TYPE_INT_ARGB);
        int[] pixels = new int[tileWidth * tileHeight];
        try (PngEncoder encoder = new PngEncoder()) {
            for (int i = 0; i < tileRows.length; i++) {
                int row = tileRows[i];
                int col = tileCols[i];
                sheet.getRGB(col * tileWidth, row * tileHeight, tileWidth, tileHeight, pixels, 0, tileWidth);
                tile.setRGB(0, 0, tileWidth, tileHeight, pixels, 0, tileWidth);
                String key = sheetName + "/r" + row + "c" + col;
                sink.accept(new Sprite(key, label, encoder.encode(tile), ContentTypes.PNG));
            }
        }
    }

    @Override
    public String describe() {
        return "sprite sheet " + sheetName + ": " + tileRows.length + " tiles of " + tileWidth + "x" + tileHeight
                + ", label " + label;
    }
}
