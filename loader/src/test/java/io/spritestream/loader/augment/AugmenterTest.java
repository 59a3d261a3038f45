package io.spritestream.loader.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.OpenCvNatives;
import io.spritestream.loader.decode.PixelSpec;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * Each transform does what it says on a known image (every pixel told apart by its colour), pixel
 * art stays pixel art (no colour that was not there, but the transparent fill), alpha is kept, and
 * the draws depend on seed, epoch and record only.
 */
class AugmenterTest {

    private static final int S = 12;
    private static final PixelSpec RGBA = new PixelSpec(S, S, 4, Fit.PAD);

    @BeforeAll
    static void natives() {
        OpenCvNatives.load();
    }

    /** A sample whose every pixel is unique: red = 10 x, green = 10 y, blue 100, alpha 255 but a transparent corner. */
    private static byte[] image() {
        byte[] px = new byte[S * S * 4];
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                int i = 4 * (y * S + x);
                px[i] = (byte) (10 * x);
                px[i + 1] = (byte) (10 * y);
                px[i + 2] = (byte) 100;
                px[i + 3] = (byte) (x < 2 && y < 2 ? 0 : 255);
            }
        }
        return px;
    }

    /** The image augmented by {@code spec} as record 0/{@code offset} of epoch {@code epoch}, seed 7. */
    private static byte[] augmented(String spec, int epoch, long offset) {
        try (Augmenter augmenter = new Augmenter(AugmentSpec.parse(spec), RGBA)) {
            return apply(augmenter, image(), epoch, offset);
        }
    }

    private static byte[] apply(Augmenter augmenter, byte[] pixels, int epoch, long offset) {
        ByteBuffer memory = ByteBuffer.allocateDirect(pixels.length);
        memory.put(pixels).flip();
        Mat slot = new Mat(S, S, CvType.CV_8UC4, memory);
        try {
            augmenter.apply(slot, 7, epoch, 0, offset);
            byte[] out = new byte[pixels.length];
            memory.get(0, out);
            return out;
        } finally {
            slot.release();
            java.lang.ref.Reference.reachabilityFence(memory);
        }
    }

    private static int[] px(byte[] img, int x, int y) {
        int i = 4 * (y * S + x);
        return new int[] {img[i] & 255, img[i + 1] & 255, img[i + 2] & 255, img[i + 3] & 255};
    }

    private static byte[] mirrored(byte[] img, boolean horizontal) {
        byte[] out = new byte[img.length];
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                int sx = horizontal ? S - 1 - x : x;
                int sy = horizontal ? y : S - 1 - y;
                System.arraycopy(img, 4 * (sy * S + sx), out, 4 * (y * S + x), 4);
            }
        }
        return out;
    }

    private static byte[] turned(byte[] img) { // a quarter turn clockwise
        byte[] out = new byte[img.length];
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                System.arraycopy(img, 4 * ((S - 1 - x) * S + y), out, 4 * (y * S + x), 4);
            }
        }
        return out;
    }

    private static byte[] shifted(byte[] img, int dx, int dy) {
        byte[] out = new byte[img.length];
        for (int y = 0; y < S; y++) {
            for (int x = 0; x < S; x++) {
                int sx = x - dx;
                int sy = y - dy;
                if (sx >= 0 && sy >= 0 && sx < S && sy < S) {
                    System.arraycopy(img, 4 * (sy * S + sx), out, 4 * (y * S + x), 4);
                }
            }
        }
        return out;
    }

    private static Set<Integer> colours(byte[] img) {
        Set<Integer> all = new HashSet<>();
        for (int i = 0; i < img.length; i += 4) {
            all.add(((img[i] & 255) << 24) | ((img[i + 1] & 255) << 16) | ((img[i + 2] & 255) << 8) | (img[i + 3] & 255));
        }
        return all;
    }

    @Test
    void aFlipIsTheImageMirrored() {
        assertArrayEquals(mirrored(image(), true), augmented("flip-h:1", 0, 0));
        assertArrayEquals(mirrored(image(), false), augmented("flip-v:1", 0, 0));
        assertArrayEquals(image(), augmented("flip-h:0", 0, 0), "probability 0 leaves it alone");
    }

    @Test
    void aQuarterTurnIsOneOfTheThreeTurnsAndAllThreeHappen() {
        byte[] once = turned(image());
        byte[] twice = turned(once);
        byte[] thrice = turned(twice);
        Set<Integer> seen = new HashSet<>();
        for (long offset = 0; offset < 40; offset++) {
            byte[] out = augmented("rot90:1", 0, offset);
            int which = java.util.Arrays.equals(out, once) ? 1 : java.util.Arrays.equals(out, twice) ? 2
                    : java.util.Arrays.equals(out, thrice) ? 3 : 0;
            assertNotEquals(0, which, "record " + offset + " is no quarter turn of the image");
            seen.add(which);
        }
        assertEquals(Set.of(1, 2, 3), seen);
    }

    @Test
    void aTranslationMovesTheImageAndWhatItUncoversIsTransparent() {
        Set<String> moves = new HashSet<>();
        for (long offset = 0; offset < 60; offset++) {
            byte[] out = augmented("translate:3", 0, offset);
            String found = null;
            for (int dy = -3; dy <= 3 && found == null; dy++) {
                for (int dx = -3; dx <= 3 && found == null; dx++) {
                    if (java.util.Arrays.equals(out, shifted(image(), dx, dy))) {
                        found = dx + "," + dy;
                    }
                }
            }
            assertTrue(found != null, "record " + offset + " is no shift of at most 3 with a transparent fill");
            moves.add(found);
        }
        assertTrue(moves.size() > 20, "the shifts vary: " + moves);
    }

    @Test
    void colourTransformsKeepAlphaAndTheGreysAndSwapReordersTheChannels() {
        byte[] source = image();
        for (String spec : new String[] {"hue:90", "brightness:0.5", "swap:1", "hue:180,brightness:0.3,swap:1"}) {
            for (long offset = 0; offset < 5; offset++) {
                byte[] out = augmented(spec, 0, offset);
                for (int i = 3; i < out.length; i += 4) {
                    assertEquals(source[i], out[i], spec + ": alpha of pixel " + i / 4);
                }
            }
        }
        // Swapping: each pixel's (r, g, b) is another order of the same three values, the same order everywhere.
        byte[] swapped = augmented("swap:1", 0, 3);
        int[] before = px(source, 5, 7);
        int[] after = px(swapped, 5, 7);
        int[] sortedBefore = java.util.Arrays.stream(before, 0, 3).sorted().toArray();
        assertArrayEquals(sortedBefore, java.util.Arrays.stream(after, 0, 3).sorted().toArray());
        assertFalse(java.util.Arrays.equals(before, after), "a swap that changed nothing");
        // Brightness scales red, green and blue alike.
        byte[] bright = augmented("brightness:0.5", 0, 1);
        double gain = px(bright, 0, 9)[2] / 100.0;
        assertNotEquals(1.0, gain, 0.001);
        assertEquals(Math.min(255, Math.round(110 * gain)), px(bright, 11, 9)[0], 1.0);
        assertEquals(Math.min(255, Math.round(90 * gain)), px(bright, 11, 9)[1], 1.0);
        // A hue rotation turns colours but keeps greys grey.
        byte[] grey = new byte[S * S * 4];
        java.util.Arrays.fill(grey, (byte) 120);
        try (Augmenter hue = new Augmenter(AugmentSpec.parse("hue:90"), RGBA)) {
            byte[] out = apply(hue, grey, 0, 0);
            int[] p = px(out, 4, 4);
            assertTrue(Math.abs(p[0] - 120) <= 1 && Math.abs(p[1] - 120) <= 1 && Math.abs(p[2] - 120) <= 1,
                    java.util.Arrays.toString(p));
            assertFalse(java.util.Arrays.equals(px(source, 9, 2), px(apply(hue, source, 0, 0), 9, 2)));
        }
    }

    @Test
    void aCutoutClearsOneSquareAndNothingElse() {
        byte[] source = image();
        for (long offset = 0; offset < 20; offset++) {
            byte[] out = augmented("cutout:4@1", 0, offset);
            int cleared = 0;
            int minX = S, minY = S, maxX = -1, maxY = -1;
            for (int y = 0; y < S; y++) {
                for (int x = 0; x < S; x++) {
                    if (!java.util.Arrays.equals(px(out, x, y), px(source, x, y))) {
                        assertArrayEquals(new int[] {0, 0, 0, 0}, px(out, x, y));
                        cleared++;
                        minX = Math.min(minX, x);
                        minY = Math.min(minY, y);
                        maxX = Math.max(maxX, x);
                        maxY = Math.max(maxY, y);
                    }
                }
            }
            assertTrue(cleared > 0 && maxX - minX < 4 && maxY - minY < 4, "record " + offset + ": " + cleared);
        }
    }

    @Test
    void cropAndScaleResampleNearestNeighbourOnly() {
        Set<Integer> palette = colours(image());
        palette.add(0); // the transparent fill
        int changed = 0;
        for (long offset = 0; offset < 20; offset++) {
            for (String spec : new String[] {"crop:0.5", "scale:0.5"}) {
                byte[] out = augmented(spec, 0, offset);
                assertTrue(palette.containsAll(colours(out)), spec + ": a colour that was not in the image");
                changed += java.util.Arrays.equals(out, image()) ? 0 : 1;
            }
        }
        assertTrue(changed > 30, "crop and scale changed " + changed + " of 40");
    }

    @Test
    void theDrawsDependOnSeedEpochAndRecordOnly() {
        String spec = "crop:0.6,rot90:0.5,flip-h:0.5,translate:2,hue:30,brightness:0.2,swap:0.5,cutout:3";
        byte[] first = augmented(spec, 3, 42);
        try (Augmenter other = new Augmenter(AugmentSpec.parse(spec), RGBA)) {
            apply(other, image(), 1, 5); // another record first: nothing carries over
            assertArrayEquals(first, apply(other, image(), 3, 42));
        }
        assertFalse(java.util.Arrays.equals(first, augmented(spec, 4, 42)), "another epoch draws anew");
        assertFalse(java.util.Arrays.equals(first, augmented(spec, 3, 43)), "another record draws anew");
    }

    @Test
    void augmentingAllocatesNothingOnTheHeapPerSample() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        String spec = "crop:0.6,scale:0.2,rot90:0.5,flip-h:0.5,flip-v:0.5,translate:2,hue:30,brightness:0.2,swap:0.5,cutout:3";
        ByteBuffer memory = ByteBuffer.allocateDirect(S * S * 4);
        memory.put(image()).flip();
        Mat slot = new Mat(S, S, CvType.CV_8UC4, memory);
        try (Augmenter augmenter = new Augmenter(AugmentSpec.parse(spec), RGBA)) {
            for (int i = 0; i < 20_000; i++) { // every shift's regions made, the code compiled
                augmenter.apply(slot, 7, i % 5, 0, i);
            }
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 20_000; i++) {
                augmenter.apply(slot, 7, i % 5, 0, i);
            }
            long perSample = (threads.getCurrentThreadAllocatedBytes() - before) / 20_000;
            assertTrue(perSample < 8, perSample + " heap bytes a sample");
        } finally {
            slot.release();
            java.lang.ref.Reference.reachabilityFence(memory);
        }
    }

    @Test
    void specsReadAsWrittenAndBadOnesNameTheTransformAndWhatWasExpected() {
        assertEquals("flip-h:0.5,translate:2", AugmentSpec.parse("default").toString());
        assertEquals("none", AugmentSpec.parse(" none ").toString());
        assertTrue(AugmentSpec.parse("").isNone());
        assertEquals("crop:0.8,flip-h:1,hue:20@0.5,cutout:6@0.5", AugmentSpec.parse("cutout:6, hue:20@0.5, flip-h:1, crop:0.8")
                .toString(), "canonical: the order transforms apply in, every probability written");
        assertEquals(AugmentSpec.parse("flip-h,translate:2"), AugmentSpec.parse("translate:2@1,flip-h:0.5"));

        assertEquals("augment: 'zoom' is no transform (expected none, default, or some of crop, scale, rot90, flip-h, "
                + "flip-v, translate, hue, brightness, swap, cutout, separated by commas)",
                assertThrows(InvalidSettingException.class, () -> AugmentSpec.parse("flip-h,zoom:2")).getMessage());
        assertEquals("augment: 'hue:abc' (expected hue:D[@P] with D in 1..180 (most degrees the hue turns), P in 0..1)",
                assertThrows(InvalidSettingException.class, () -> AugmentSpec.parse("hue:abc")).getMessage());
        assertEquals("augment: 'translate:2@1.5' (expected translate:N[@P] with N in 1..64 (most pixels moved on each "
                + "axis), P in 0..1)", assertThrows(InvalidSettingException.class,
                () -> AugmentSpec.parse("translate:2@1.5")).getMessage());
        assertEquals("augment: 'flip-h' twice (expected each transform once)",
                assertThrows(InvalidSettingException.class, () -> AugmentSpec.parse("flip-h,flip-h:1")).getMessage());
        assertThrows(InvalidSettingException.class, () -> AugmentSpec.parse("translate"));
        assertThrows(InvalidSettingException.class, () -> AugmentSpec.parse("flip-h,"));

        assertEquals("augment: rot90 turns square samples only (got size 12x8)", assertThrows(InvalidSettingException.class,
                () -> AugmentSpec.parse("rot90").checkFor(new PixelSpec(12, 8, 4, Fit.PAD))).getMessage());
        assertEquals("augment: hue needs colour (got channels 1)", assertThrows(InvalidSettingException.class,
                () -> AugmentSpec.parse("hue:10").checkFor(new PixelSpec(12, 12, 1, Fit.PAD))).getMessage());
        assertEquals("augment: translate:12 (expected at most 11 for size 12x12)", assertThrows(
                InvalidSettingException.class, () -> AugmentSpec.parse("translate:12").checkFor(RGBA)).getMessage());
    }
}
