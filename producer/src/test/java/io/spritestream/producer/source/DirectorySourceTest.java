package io.spritestream.producer.source;

import static io.spritestream.producer.source.TestImages.collect;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.record.ContentTypes;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectorySourceTest {

    @TempDir
    Path root;

    @Test
    void labelsAreTheFirstFolderAndKeysTheSortedRelativePaths() throws IOException {
        file("cat/b.png");
        file("cat/a.PNG");
        file("dog/sub/c.jpg");
        file("dog/d.bmp");
        file("bird/e.webp");
        file("bird/f.JPEG");

        DirectorySource source = new DirectorySource(root);
        List<Sprite> sprites = collect(source);

        assertEquals(List.of("bird/e.webp", "bird/f.JPEG", "cat/a.PNG", "cat/b.png", "dog/d.bmp", "dog/sub/c.jpg"),
                sprites.stream().map(Sprite::key).toList());
        assertEquals(List.of("bird", "bird", "cat", "cat", "dog", "dog"), sprites.stream().map(Sprite::label).toList());
        assertEquals(List.of(ContentTypes.WEBP, ContentTypes.JPEG, ContentTypes.PNG, ContentTypes.PNG,
                ContentTypes.BMP, ContentTypes.JPEG), sprites.stream().map(Sprite::contentType).toList());
        assertEquals(List.of("bird", "cat", "dog"), source.classes());
        assertEquals(6, source.size());
    }

    @Test
    void valuesAreTheFilesBytesUntouched() throws IOException {
        byte[] png = pngBytes();
        Files.createDirectories(root.resolve("ok"));
        Files.write(root.resolve("ok/real.png"), png);
        byte[] notReallyAJpeg = file("broken/garbage.jpg");

        List<Sprite> sprites = collect(new DirectorySource(root));

        assertEquals("broken/garbage.jpg", sprites.get(0).key());
        assertArrayEquals(notReallyAJpeg, sprites.get(0).bytes());
        assertEquals("ok/real.png", sprites.get(1).key());
        assertArrayEquals(png, sprites.get(1).bytes());
    }

    @Test
    void hiddenFilesHiddenFoldersAndOtherFileTypesAreSkipped() throws IOException {
        file("cat/a.png");
        file("cat/.thumb.png");
        file(".git/objects/x.png");
        file("cat/.cache/y.png");
        file("cat/notes.txt");
        file("cat/a.png.bak");
        file("README.md");

        DirectorySource source = new DirectorySource(root);

        assertEquals(List.of("cat/a.png"), collect(source).stream().map(Sprite::key).toList());
        assertEquals(List.of("cat"), source.classes());
    }

    @Test
    void everySkippedFileIsListedWithItsReasonAndCountedAndNamedInAWarning() throws IOException {
        file("cat/a.png");
        file("cat/.thumb.png");
        file(".git/objects/x.png");
        file(".git/objects/y.png");
        file("cat/notes.txt");
        file("cat/a.png.bak");
        file("README.md");
        file("stray.png");

        DirectorySource source = new DirectorySource(root);

        assertEquals(List.of(
                new SkippedFile(".git/", SkippedFile.Reason.HIDDEN),
                new SkippedFile("README.md", SkippedFile.Reason.NOT_AN_IMAGE),
                new SkippedFile("cat/.thumb.png", SkippedFile.Reason.HIDDEN),
                new SkippedFile("cat/a.png.bak", SkippedFile.Reason.NOT_AN_IMAGE),
                new SkippedFile("cat/notes.txt", SkippedFile.Reason.NOT_AN_IMAGE),
                new SkippedFile("stray.png", SkippedFile.Reason.OUTSIDE_A_LABEL_FOLDER)), source.skipped());
        assertEquals(List.of(
                "warning: skipped 3 files that are not images (.png, .jpg, .jpeg, .bmp, .webp): README.md, "
                        + "cat/a.png.bak, cat/notes.txt",
                "warning: skipped 2 hidden files and folders (names starting with '.'): .git/, cat/.thumb.png",
                "warning: skipped 1 image lying directly in " + root + " outside a label folder (stray.png); "
                        + "--root-label NAME takes them as class NAME"), source.skippedWarnings());
    }

    @Test
    void aWarningNamesTheFirstFiveSkippedFilesAndCountsTheRest() throws IOException {
        file("cat/a.png");
        for (int i = 1; i <= 7; i++) {
            file("cat/notes" + i + ".txt");
        }

        List<String> warnings = new DirectorySource(root).skippedWarnings();

        assertEquals(List.of("warning: skipped 7 files that are not images (.png, .jpg, .jpeg, .bmp, .webp): "
                + "cat/notes1.txt, cat/notes2.txt, cat/notes3.txt, cat/notes4.txt, cat/notes5.txt and 2 more"), warnings);
    }

    @Test
    void streamingTwiceGivesTheSameSpritesInTheSameOrder() throws IOException {
        for (int i = 0; i < 20; i++) {
            file("class" + (i % 3) + "/img" + i + ".png");
        }
        DirectorySource source = new DirectorySource(root);

        List<Sprite> first = collect(source);
        List<Sprite> second = collect(source);

        assertEquals(first.stream().map(Sprite::key).toList(), second.stream().map(Sprite::key).toList());
        for (int i = 0; i < first.size(); i++) {
            assertArrayEquals(first.get(i).bytes(), second.get(i).bytes());
        }
    }

    @Test
    void imagesDirectlyInTheRootAreSkippedAndListed() throws IOException {
        file("cat/a.png");
        file("stray.png");
        file("portrait.jpg");

        DirectorySource source = new DirectorySource(root);

        assertEquals(List.of("cat/a.png"), collect(source).stream().map(Sprite::key).toList());
        assertEquals(1, source.size());
        assertEquals(List.of("cat"), source.classes());
        assertEquals(List.of("portrait.jpg", "stray.png"), source.skippedAtRoot());
        assertEquals(List.of("warning: skipped 2 images lying directly in " + root + " outside a label folder "
                + "(portrait.jpg, stray.png); --root-label NAME takes them as class NAME"), source.skippedWarnings());
    }

    @Test
    void aRootLabelTakesTheImagesDirectlyInTheRootAsOneClass() throws IOException {
        file("cat/a.png");
        file("stray.png");

        DirectorySource source = new DirectorySource(root, "unsorted");
        List<Sprite> sprites = collect(source);

        assertEquals(List.of("cat/a.png", "stray.png"), sprites.stream().map(Sprite::key).toList());
        assertEquals(List.of("cat", "unsorted"), sprites.stream().map(Sprite::label).toList());
        assertEquals(List.of("cat", "unsorted"), source.classes());
        assertEquals(List.of(), source.skippedAtRoot());
        assertEquals(List.of(), source.skippedWarnings());
    }

    @Test
    void onlyImagesInTheRootAndNoRootLabelIsRejectedNamingTheWayOut() throws IOException {
        file("stray.png");

        String message = assertThrows(IllegalArgumentException.class, () -> new DirectorySource(root)).getMessage();

        assertTrue(message.contains("root/<label>/"), message);
        assertTrue(message.contains("stray.png") && message.contains("--root-label"), message);
    }

    @Test
    void aMissingRootIsRejected() {
        Path missing = root.resolve("nope");

        String message = assertThrows(IllegalArgumentException.class, () -> new DirectorySource(missing)).getMessage();

        assertEquals("image folder " + missing + " does not exist", message);
    }

    @Test
    void aFileAsRootIsRejected() throws IOException {
        file("cat/a.png");
        Path notAFolder = root.resolve("cat/a.png");

        String message = assertThrows(IllegalArgumentException.class, () -> new DirectorySource(notAFolder)).getMessage();

        assertEquals("image folder " + notAFolder + " is not a directory", message);
    }

    @Test
    void aFolderWithoutImagesIsRejected() throws IOException {
        file("cat/notes.txt");
        file("dog/.hidden.png");

        String message = assertThrows(IllegalArgumentException.class, () -> new DirectorySource(root)).getMessage();

        assertTrue(message.contains("holds no images"), message);
        assertTrue(message.endsWith("; it holds 1 file of other types (cat/notes.txt)"), message);
    }

    @Test
    void aFileRemovedAfterTheScanFailsTheStream() throws IOException {
        file("cat/a.png");
        file("cat/b.png");
        DirectorySource source = new DirectorySource(root);
        Files.delete(root.resolve("cat/b.png"));
        List<Sprite> handed = new ArrayList<>();

        assertThrows(NoSuchFileException.class, () -> source.forEach(handed::add));
        assertEquals(1, handed.size());
    }

    @Test
    void aLabelFolderWhoseNameHoldsANewlineIsRefusedNamingItEscapedOnOneLine() throws IOException {
        file("cat/a.png");
        file("cat\ndog/b.png");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DirectorySource(root));

        assertTrue(e.getMessage().contains("\"cat\\u000adog\""), e.getMessage());
        assertTrue(e.getMessage().contains("U+000A"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }

    @Test
    void aLabelFolderWhoseNameIsOverTheLengthBoundIsRefusedCountingTheOthers() throws IOException {
        file("cat/a.png");
        file("x".repeat(200) + "/b.png");
        file("y".repeat(130) + "/c.png");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DirectorySource(root));

        assertTrue(e.getMessage().contains("200 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("1 more"), e.getMessage());
        assertTrue(e.getMessage().length() < 600, e.getMessage());
    }

    @Test
    void aRootLabelWithATabIsRefused() throws IOException {
        file("cat/a.png");
        file("stray.png");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DirectorySource(root, "mis\tc"));

        assertTrue(e.getMessage().contains("U+0009"), e.getMessage());
    }

    @Test
    void describeNamesTheFolderAndTheCounts() throws IOException {
        file("cat/a.png");
        file("dog/b.png");

        assertEquals("directory " + root + ": 2 images, 2 classes", new DirectorySource(root).describe());
    }

    /** Writes random bytes (distinct per file) to {@code relative} and returns them. */
    private byte[] file(String relative) throws IOException {
        Path path = root.resolve(relative);
        Files.createDirectories(path.getParent());
        byte[] bytes = new byte[16 + relative.length()];
        new Random(relative.hashCode()).nextBytes(bytes);
        Files.write(path, bytes);
        return bytes;
    }

    private static byte[] pngBytes() throws IOException {
        int[] pixels = new int[4 * 4];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = 0x80FF0000 | i * 10;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(TestImages.argbImage(4, 4, pixels), "png", out);
        return out.toByteArray();
    }
}
