package io.spritestream.producer.source;

import static io.spritestream.producer.source.TestImages.argb;
import static io.spritestream.producer.source.TestImages.collect;
import static io.spritestream.producer.source.TestImages.decode;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.record.ContentTypes;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SyntheticSpritesTest {

    @Test
    void sameSeedGivesByteIdenticalSpritesInTheSameOrder() throws IOException {
        List<Sprite> first = collect(new SyntheticSprites(500, 8, 32, 7));
        List<Sprite> second = collect(new SyntheticSprites(500, 8, 32, 7));

        assertEquals(500, first.size());
        for (int i = 0; i < first.size(); i++) {
            assertEquals(first.get(i).key(), second.get(i).key());
            assertEquals(first.get(i).label(), second.get(i).label());
            assertArrayEquals(first.get(i).bytes(), second.get(i).bytes(), "sprite " + i);
        }
    }

    @Test
    void anotherSeedGivesOtherSprites() throws IOException {
        List<Sprite> seven = collect(new SyntheticSprites(200, 8, 32, 7));
        List<Sprite> eight = collect(new SyntheticSprites(200, 8, 32, 8));

        int same = 0;
        for (int i = 0; i < seven.size(); i++) {
            if (java.util.Arrays.equals(seven.get(i).bytes(), eight.get(i).bytes())) {
                same++;
            }
        }
        assertEquals(0, same, "sprites identical under seeds 7 and 8");
    }

    @Test
    void workerThreadsHandOutTheSpritesInIndexOrder() throws IOException {
        SyntheticSprites source = new SyntheticSprites(1000, 5, 16, 3);
        List<Sprite> streamed = collect(source);

        SpritePainter painter = new SpritePainter(16);
        try (PngEncoder encoder = new PngEncoder()) {
            for (int index = 0; index < 1000; index++) {
                Sprite expected = source.sprite(index, painter, encoder);
                assertEquals(expected.key(), streamed.get(index).key());
                assertArrayEquals(expected.bytes(), streamed.get(index).bytes(), "sprite " + index);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {8, 17, 32, 64, 100})
    void everySpriteIsAnRgbaPngOfTheAskedSizeOnATransparentBackground(int sizePx) throws IOException {
        for (Sprite sprite : collect(new SyntheticSprites(100, 16, sizePx, 11))) {
            TestImages.assertRgba8Png(sprite.bytes());
            assertEquals(ContentTypes.PNG, sprite.contentType());
            BufferedImage image = decode(sprite.bytes());
            assertEquals(sizePx, image.getWidth());
            assertEquals(sizePx, image.getHeight());
            int transparent = 0;
            int opaque = 0;
            for (int pixel : argb(image)) {
                int alpha = pixel >>> 24;
                if (alpha == 0) {
                    assertEquals(0, pixel, "transparent pixels are transparent black");
                    transparent++;
                } else if (alpha == 255) {
                    opaque++;
                }
            }
            int pixels = sizePx * sizePx;
            assertTrue(transparent >= pixels / 5, sprite.key() + ": only " + transparent + " transparent pixels");
            assertTrue(opaque >= pixels / 16, sprite.key() + ": only " + opaque + " opaque pixels");
            if (sizePx < SpritePainter.GRID) {
                continue; // on a grid this coarse, an outline may reach the corner cells
            }
            for (int corner : new int[] {image.getRGB(0, 0), image.getRGB(sizePx - 1, 0),
                    image.getRGB(0, sizePx - 1), image.getRGB(sizePx - 1, sizePx - 1)}) {
                assertEquals(0, corner, sprite.key() + ": corners are background");
            }
        }
    }

    @Test
    void classesDifferInMeanImageFromEveryOtherClass() throws IOException {
        Map<String, List<float[]>> byClass = samplesByClass(new SyntheticSprites(800, 8, 32, 7), false);

        assertMinimumDistanceBetweenClassMeans(byClass, 0.08);
    }

    @Test
    void theFirstSixteenClassesDifferInSilhouetteAlone() throws IOException {
        Map<String, List<float[]>> byClass = samplesByClass(new SyntheticSprites(1600, 16, 32, 5), true);

        assertMinimumDistanceBetweenClassMeans(byClass, 0.07);
    }

    @Test
    void allSixtyFourClassesDifferInMeanImage() throws IOException {
        Map<String, List<float[]>> byClass = samplesByClass(new SyntheticSprites(64 * 30, 64, 32, 5), false);

        assertEquals(64, byClass.size());
        assertMinimumDistanceBetweenClassMeans(byClass, 0.04);
    }

    /** A stand-in for "a small CNN can learn them": even the nearest class mean gets most right. */
    @Test
    void nearestClassMeanRecognisesHeldOutSprites() throws IOException {
        Map<String, List<float[]>> byClass = samplesByClass(new SyntheticSprites(800, 8, 32, 7), false);
        List<float[]> means = new ArrayList<>();
        for (List<float[]> samples : byClass.values()) {
            means.add(mean(samples.subList(0, 60)));
        }

        int right = 0;
        int total = 0;
        int classIndex = 0;
        for (List<float[]> samples : byClass.values()) {
            for (float[] sample : samples.subList(60, samples.size())) {
                int nearest = 0;
                for (int k = 1; k < means.size(); k++) {
                    if (rms(sample, means.get(k)) < rms(sample, means.get(nearest))) {
                        nearest = k;
                    }
                }
                right += nearest == classIndex ? 1 : 0;
                total++;
            }
            classIndex++;
        }
        double accuracy = right / (double) total;
        assertTrue(accuracy >= 0.9, "nearest class mean accuracy " + accuracy);
    }

    @Test
    void samplesWithinAClassDifferFromEachOther() throws IOException {
        Map<String, List<float[]>> byClass = samplesByClass(new SyntheticSprites(800, 8, 32, 7), false);

        for (Map.Entry<String, List<float[]>> entry : byClass.entrySet()) {
            List<float[]> samples = entry.getValue().subList(0, 30);
            double sum = 0;
            int pairs = 0;
            for (int i = 0; i < samples.size(); i++) {
                for (int j = i + 1; j < samples.size(); j++) {
                    double distance = rms(samples.get(i), samples.get(j));
                    assertTrue(distance > 0, entry.getKey() + ": samples " + i + " and " + j + " are identical");
                    sum += distance;
                    pairs++;
                }
            }
            assertTrue(sum / pairs > 0.1, entry.getKey() + ": mean distance within class " + sum / pairs);
        }
    }

    @Test
    void everyClassGetsItsShareOfSpritesGiveOrTakeOne() throws IOException {
        SyntheticSprites source = new SyntheticSprites(1003, 7, 8, 1);
        Map<String, Integer> counts = new LinkedHashMap<>();
        source.forEach(sprite -> counts.merge(sprite.label(), 1, Integer::sum));

        assertEquals(Set.copyOf(source.classes()), counts.keySet());
        for (Map.Entry<String, Integer> entry : counts.entrySet()) {
            assertTrue(entry.getValue() == 143 || entry.getValue() == 144, entry.toString());
        }
    }

    @Test
    void classOrderIsShuffledNotACycle() throws IOException {
        List<String> labels = collect(new SyntheticSprites(64, 4, 8, 1)).stream().map(Sprite::label).toList();

        assertFalse(labels.subList(0, 4).equals(labels.subList(4, 8)) && labels.subList(4, 8).equals(labels.subList(8, 12)),
                "labels cycle with a fixed period: " + labels);
    }

    @Test
    void keysNameTheClassAndTheZeroPaddedPositionSoTheySortNaturally() throws IOException {
        List<Sprite> sprites = collect(new SyntheticSprites(1000, 3, 8, 1));

        assertEquals("synthetic/" + sprites.get(0).label() + "/000", sprites.get(0).key());
        assertEquals("synthetic/" + sprites.get(999).label() + "/999", sprites.get(999).key());
        Set<String> keys = new HashSet<>();
        for (int i = 0; i < sprites.size(); i++) {
            Sprite sprite = sprites.get(i);
            assertEquals(String.format("synthetic/%s/%03d", sprite.label(), i), sprite.key());
            assertTrue(keys.add(sprite.key()), "duplicate key " + sprite.key());
        }
        assertEquals("synthetic/ball/0", collect(new SyntheticSprites(1, 1, 8, 1)).get(0).key());
    }

    @Test
    void classesAreNamedAfterTheirShapesAndRepeatShapesWithASuffix() {
        assertEquals(List.of("ball", "cross", "diamond", "heart", "ring", "frame", "triangle", "star"),
                new SyntheticSprites(10, 8, 32, 1).classes());

        List<String> all = new SyntheticSprites(10, 64, 32, 1).classes();
        assertEquals(64, all.size());
        assertEquals(64, new HashSet<>(all).size());
        assertEquals("ball-1", all.get(16));
        assertEquals("tree-3", all.get(63));
    }

    @Test
    void describeNamesCountClassesSizeAndSeed() {
        SyntheticSprites source = new SyntheticSprites(20000, 8, 32, 7);

        assertEquals("synthetic 20000 sprites, 8 classes, 32px, seed 7", source.describe());
        assertEquals(20000, source.size());
    }

    @Test
    void outOfRangeArgumentsAreRejectedNamingValueAndRange() {
        assertEquals("count: 0 (expected >= 1)",
                assertThrows(IllegalArgumentException.class, () -> new SyntheticSprites(0, 8, 32, 1)).getMessage());
        assertEquals("classes: 0 (expected 1..64)",
                assertThrows(IllegalArgumentException.class, () -> new SyntheticSprites(10, 0, 32, 1)).getMessage());
        assertEquals("classes: 65 (expected 1..64)",
                assertThrows(IllegalArgumentException.class, () -> new SyntheticSprites(10, 65, 32, 1)).getMessage());
        assertEquals("size: 7 (expected 8..512)",
                assertThrows(IllegalArgumentException.class, () -> new SyntheticSprites(10, 8, 7, 1)).getMessage());
        assertEquals("size: 513 (expected 8..512)",
                assertThrows(IllegalArgumentException.class, () -> new SyntheticSprites(10, 8, 513, 1)).getMessage());
    }

    @Test
    void anExceptionInTheSinkStopsTheStreamAndReachesTheCaller() {
        IllegalStateException stop = new IllegalStateException("stop");
        int[] handed = {0};

        IllegalStateException thrown = assertThrows(IllegalStateException.class,
                () -> new SyntheticSprites(5000, 8, 8, 1).forEach(sprite -> {
                    if (++handed[0] == 300) {
                        throw stop;
                    }
                }));

        assertSame(stop, thrown);
        assertEquals(300, handed[0]);
    }

    /** Each sprite as premultiplied RGBA in 0..1 (or alpha only), grouped by class in label order. */
    private static Map<String, List<float[]>> samplesByClass(SyntheticSprites source, boolean alphaOnly)
            throws IOException {
        Map<String, List<float[]>> byClass = new LinkedHashMap<>();
        for (String name : source.classes()) {
            byClass.put(name, new ArrayList<>());
        }
        source.forEach(sprite -> byClass.get(sprite.label()).add(features(decode(sprite.bytes()), alphaOnly)));
        return byClass;
    }

    private static float[] features(BufferedImage image, boolean alphaOnly) {
        int[] pixels = argb(image);
        float[] features = new float[pixels.length * (alphaOnly ? 1 : 4)];
        int k = 0;
        for (int pixel : pixels) {
            float alpha = (pixel >>> 24) / 255f;
            if (!alphaOnly) {
                features[k++] = ((pixel >> 16) & 0xFF) / 255f * alpha;
                features[k++] = ((pixel >> 8) & 0xFF) / 255f * alpha;
                features[k++] = (pixel & 0xFF) / 255f * alpha;
            }
            features[k++] = alpha;
        }
        return features;
    }

    private static void assertMinimumDistanceBetweenClassMeans(Map<String, List<float[]>> byClass, double threshold) {
        List<String> names = List.copyOf(byClass.keySet());
        List<float[]> means = new ArrayList<>();
        for (List<float[]> samples : byClass.values()) {
            assertTrue(samples.size() >= 20, "too few samples: " + samples.size());
            means.add(mean(samples));
        }
        for (int a = 0; a < means.size(); a++) {
            for (int b = a + 1; b < means.size(); b++) {
                double distance = rms(means.get(a), means.get(b));
                assertTrue(distance > threshold,
                        names.get(a) + " and " + names.get(b) + " look alike: distance " + distance);
            }
        }
    }

    private static float[] mean(List<float[]> samples) {
        float[] mean = new float[samples.get(0).length];
        for (float[] sample : samples) {
            for (int i = 0; i < mean.length; i++) {
                mean[i] += sample[i] / samples.size();
            }
        }
        return mean;
    }

    private static double rms(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum / a.length);
    }
}
