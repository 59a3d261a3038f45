package io.spritestream.producer.source;

import static io.spritestream.producer.source.TestImages.argb;
import static io.spritestream.producer.source.TestImages.collect;
import static io.spritestream.producer.source.TestImages.decode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.record.ContentTypes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpriteSheetSourceTest {

    private static final int TILE_W = 8;
    private static final int TILE_H = 6;

    @TempDir
    Path dir;

    /** A 3x2 sheet of 8x6 tiles; tiles (0,1) and (1,2) are fully transparent, (1,1) has a single faint pixel. */
    private static int[] sheetPixels() {
        int width = 3 * TILE_W;
        int[] pixels = new int[width * 2 * TILE_H];
        for (int y = 0; y < 2 * TILE_H; y++) {
            for (int x = 0; x < width; x++) {
                int row = y / TILE_H;
                int col = x / TILE_W;
                boolean empty = (row == 0 && col == 1) || (row == 1 && col == 2) || (row == 1 && col == 1);
                pixels[y * width + x] = empty ? 0 : 0xFF000000 | (row * 100 + col * 40) << 16 | x << 8 | y * 7;
            }
        }
        pixels[(TILE_H + 5) * width + TILE_W + 3] = 0x01FFFFFF;
        return pixels;
    }

    private Path sheet(String name) throws IOException {
        return TestImages.write(TestImages.argbImage(3 * TILE_W, 2 * TILE_H, sheetPixels()), dir.resolve(name));
    }

    @Test
    void tilesAreCutRowByRowSkippingFullyTransparentOnes() throws IOException {
        SpriteSheetSource source = new SpriteSheetSource(sheet("items.png"), TILE_W, TILE_H);

        List<Sprite> tiles = collect(source);

        assertEquals(List.of("items.png/r0c0", "items.png/r0c2", "items.png/r1c0", "items.png/r1c1"),
                tiles.stream().map(Sprite::key).toList());
        assertEquals(4, source.size());
    }

    @Test
    void aLabelWithALineSeparatorIsRefused() throws IOException {
        Path sheet = sheet("items.png");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(sheet, TILE_W, TILE_H, "coins\u2028gems"));

        assertTrue(e.getMessage().contains("U+2028"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aSheetWhoseNameIsNoClassNameIsRefusedNamingTheWayOut() throws IOException {
        Path sheet = sheet("x".repeat(150) + ".png");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(sheet, TILE_W, TILE_H));

        assertTrue(e.getMessage().contains("150 bytes") && e.getMessage().contains("--label"), e.getMessage());
    }

    @Test
    void eachTileHoldsExactlyThePixelsOfItsCellAsAnRgbaPng() throws IOException {
        BufferedImage sheet = TestImages.argbImage(3 * TILE_W, 2 * TILE_H, sheetPixels());

        for (Sprite tile : collect(new SpriteSheetSource(sheet("items.png"), TILE_W, TILE_H))) {
            TestImages.assertRgba8Png(tile.bytes());
            assertEquals(ContentTypes.PNG, tile.contentType());
            int row = tile.key().charAt(tile.key().indexOf("/r") + 2) - '0';
            int col = tile.key().charAt(tile.key().indexOf('c', tile.key().indexOf("/r")) + 1) - '0';
            int[] expected = sheet.getRGB(col * TILE_W, row * TILE_H, TILE_W, TILE_H, null, 0, TILE_W);
            BufferedImage decoded = decode(tile.bytes());
            assertEquals(TILE_W, decoded.getWidth());
            assertEquals(TILE_H, decoded.getHeight());
            assertArrayEquals(expected, argb(decoded), tile.key());
        }
    }

    @Test
    void theLabelIsTheFileNameWithoutExtensionUnlessGiven() throws IOException {
        Path sheet = sheet("dungeon.tiles.png");

        SpriteSheetSource unnamed = new SpriteSheetSource(sheet, TILE_W, TILE_H);
        SpriteSheetSource named = new SpriteSheetSource(sheet, TILE_W, TILE_H, "walls");

        assertEquals(List.of("dungeon.tiles"), unnamed.classes());
        assertTrue(collect(unnamed).stream().allMatch(tile -> tile.label().equals("dungeon.tiles")));
        assertEquals(List.of("walls"), named.classes());
        assertTrue(collect(named).stream().allMatch(tile -> tile.label().equals("walls")));
    }

    @Test
    void aSheetWithoutAlphaKeepsEveryTileAndGetsOpaqueAlpha() throws IOException {
        BufferedImage rgb = new BufferedImage(2 * TILE_W, TILE_H, BufferedImage.TYPE_INT_RGB);
        rgb.setRGB(3, 3, 0x123456);
        Path sheet = TestImages.write(rgb, dir.resolve("plain.png"));

        List<Sprite> tiles = collect(new SpriteSheetSource(sheet, TILE_W, TILE_H));

        assertEquals(List.of("plain.png/r0c0", "plain.png/r0c1"), tiles.stream().map(Sprite::key).toList());
        TestImages.assertRgba8Png(tiles.get(0).bytes());
        assertEquals(0xFF123456, decode(tiles.get(0).bytes()).getRGB(3, 3));
        assertEquals(0xFF000000, decode(tiles.get(1).bytes()).getRGB(0, 0));
    }

    @Test
    void aSheetThatIsNotAMultipleOfTheTileIsRejectedNamingBothSizes() throws IOException {
        Path sheet = sheet("items.png");

        String message = assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(sheet, 7, TILE_H)).getMessage();

        assertEquals("sprite sheet " + sheet + " is 24x12, not a multiple of the tile 7x6", message);
    }

    @Test
    void aFullyTransparentSheetIsRejected() throws IOException {
        Path sheet = TestImages.write(new BufferedImage(16, 16, BufferedImage.TYPE_INT_ARGB), dir.resolve("empty.png"));

        String message = assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(sheet, 8, 8)).getMessage();

        assertTrue(message.contains("fully transparent"), message);
    }

    @Test
    void aMissingOrUnreadableSheetIsRejected() throws IOException {
        Path missing = dir.resolve("missing.png");
        Path text = Files.writeString(dir.resolve("notes.png"), "not an image");

        String missingMessage = assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(missing, 8, 8)).getMessage();
        String textMessage = assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(text, 8, 8)).getMessage();

        assertEquals("sprite sheet " + missing + " does not exist or is not a file", missingMessage);
        assertTrue(textMessage.startsWith("sprite sheet " + text), textMessage);
    }

    @Test
    void badTileSizesAndBlankLabelsAreRejected() throws IOException {
        Path sheet = sheet("items.png");

        assertEquals("tile: 0x6 (expected at least 1x1)", assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(sheet, 0, 6)).getMessage());
        assertEquals("label: \" \" is blank (" + io.spritestream.record.LabelRule.EXPECTED + ")", assertThrows(IllegalArgumentException.class,
                () -> new SpriteSheetSource(sheet, 8, 6, " ")).getMessage());
    }

    @Test
    void describeNamesSheetTilesAndLabel() throws IOException {
        assertEquals("sprite sheet items.png: 4 tiles of 8x6, label items",
                new SpriteSheetSource(sheet("items.png"), TILE_W, TILE_H).describe());
    }
}
