package io.spritestream.loader.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spritestream.loader.testing.TestPng;
import io.spritestream.loader.testing.TestPng.Kind;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/** Real PNG bytes through real OpenCV into memory the test owns. */
class SpriteDecoderTest {

    private ByteBuffer memory;
    private Mat slot;
    private SpriteDecoder decoder;

    private void open(int width, int height, int channels, Fit fit) {
        close();
        OpenCvNatives.load();
        memory = ByteBuffer.allocateDirect(width * height * channels);
        slot = new Mat(height, width, CvType.CV_8UC(channels), memory);
        decoder = new SpriteDecoder(new PixelSpec(width, height, channels, fit), DecodeLimits.DEFAULT);
    }

    @AfterEach
    void close() {
        if (decoder != null) {
            decoder.close();
            slot.release();
            decoder = null;
        }
    }

    static Stream<Arguments> everyKindOfPng() {
        return Stream.of(
                Arguments.of(TestPng.random(Kind.RGBA, 13, 9, 8, false, 1)),
                Arguments.of(TestPng.random(Kind.RGB, 13, 9, 8, false, 2)),
                Arguments.of(TestPng.random(Kind.GRAY, 13, 9, 8, false, 3)),
                Arguments.of(TestPng.random(Kind.GRAY_ALPHA, 13, 9, 8, false, 4)),
                Arguments.of(TestPng.random(Kind.PALETTE, 13, 9, 8, false, 5)),
                Arguments.of(TestPng.random(Kind.RGBA, 13, 9, 16, false, 6)),
                Arguments.of(TestPng.random(Kind.RGB, 13, 9, 16, false, 7)),
                Arguments.of(TestPng.random(Kind.GRAY, 13, 9, 16, false, 8)),
                Arguments.of(TestPng.random(Kind.GRAY_ALPHA, 13, 9, 16, false, 9)),
                Arguments.of(TestPng.random(Kind.RGBA, 13, 9, 8, true, 10)),
                Arguments.of(TestPng.random(Kind.PALETTE, 13, 9, 8, true, 11)),
                Arguments.of(TestPng.random(Kind.GRAY, 13, 9, 16, true, 12)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("everyKindOfPng")
    void everyKindOfPngDecodesPixelExactAsRgbaAtItsOwnSize(TestPng png) {
        open(png.width, png.height, 4, Fit.PAD);

        RejectReason reason = decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot);

        assertNull(reason, () -> "rejected: " + decoder.lastError());
        assertArrayEquals(png.expectedRgba(), bytes(memory));
    }

    @Test
    void rgbAndGrayTargetsDropAlphaAndConvertColour() {
        TestPng png = TestPng.random(Kind.RGBA, 8, 8, 8, false, 21);
        byte[] rgba = png.expectedRgba();

        open(8, 8, 3, Fit.PAD);
        assertNull(decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot));
        byte[] rgb = bytes(memory);
        for (int p = 0; p < 64; p++) {
            for (int c = 0; c < 3; c++) {
                assertEquals(rgba[4 * p + c], rgb[3 * p + c], "pixel " + p + " channel " + c);
            }
        }

        open(8, 8, 1, Fit.PAD);
        assertNull(decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot));
        byte[] gray = bytes(memory);
        for (int p = 0; p < 64; p++) {
            double luma = 0.299 * (rgba[4 * p] & 0xFF) + 0.587 * (rgba[4 * p + 1] & 0xFF) + 0.114 * (rgba[4 * p + 2] & 0xFF);
            assertEquals(luma, gray[p] & 0xFF, 1.0, "pixel " + p);
        }
    }

    @Test
    void padCentresASmallerImageOnTransparentBlackWithoutScaling() {
        TestPng png = TestPng.random(Kind.RGBA, 4, 2, 8, false, 31);
        open(8, 6, 4, Fit.PAD);
        fill(memory, (byte) 0x77);

        assertNull(decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot));

        byte[] expected = new byte[8 * 6 * 4];
        paste(png.expectedRgba(), 4, 2, expected, 8, 2, 2);
        assertArrayEquals(expected, bytes(memory));
    }

    @Test
    void padScalesALargerImageDownByNearestNeighbourKeepingItsAspect() {
        // 8x4 blocks of 2x2 identical pixels -> fitted into 4x4: scale 1/2, 4x2 centred vertically.
        int[] argb = new int[16 * 8];
        Random rnd = new Random(41);
        int[] block = new int[8 * 4];
        for (int i = 0; i < block.length; i++) {
            block[i] = 0xFF000000 | rnd.nextInt(1 << 24);
        }
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 16; x++) {
                argb[y * 16 + x] = block[(y / 2) * 8 + x / 2];
            }
        }
        TestPng png = TestPng.rgba(16, 8, argb);
        open(8, 8, 4, Fit.PAD);

        assertNull(decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot));

        byte[] small = TestPng.rgba(8, 4, block).expectedRgba();
        byte[] expected = new byte[8 * 8 * 4];
        paste(small, 8, 4, expected, 8, 0, 2);
        assertArrayEquals(expected, bytes(memory));
    }

    @Test
    void stretchScalesEachAxisByNearestNeighbour() {
        TestPng png = TestPng.random(Kind.RGBA, 2, 2, 8, false, 51);
        open(4, 6, 4, Fit.STRETCH);

        assertNull(decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot));

        byte[] src = png.expectedRgba();
        byte[] out = bytes(memory);
        for (int y = 0; y < 6; y++) {
            for (int x = 0; x < 4; x++) {
                int sx = x / 2;
                int sy = y / 3;
                for (int c = 0; c < 4; c++) {
                    assertEquals(src[(sy * 2 + sx) * 4 + c], out[(y * 4 + x) * 4 + c], "(" + x + "," + y + ")");
                }
            }
        }
    }

    @Test
    void cropCutsTheCentreOfAnImageScaledToCover() {
        // 6x2 at target 2x2: scale 1 covers; the centre 2 columns are kept.
        TestPng png = TestPng.random(Kind.RGBA, 6, 2, 8, false, 61);
        open(2, 2, 4, Fit.CROP);

        assertNull(decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot));

        byte[] src = png.expectedRgba();
        byte[] expected = new byte[2 * 2 * 4];
        for (int y = 0; y < 2; y++) {
            System.arraycopy(src, (y * 6 + 2) * 4, expected, y * 2 * 4, 2 * 4);
        }
        assertArrayEquals(expected, bytes(memory));
    }

    @Test
    void decodingWritesIntoTheSlotsOwnMemoryWithoutReallocating() {
        TestPng png = TestPng.random(Kind.RGB, 5, 5, 8, false, 71);
        open(5, 5, 4, Fit.PAD);
        long address = slot.dataAddr();

        assertNull(decoder.decodeInto(ByteBuffer.wrap(png.encode()), slot));

        assertEquals(address, slot.dataAddr(), "slot Mat still wraps the same memory");
        assertArrayEquals(png.expectedRgba(), bytes(memory), "the pixels are in the wrapped buffer");
    }

    @Test
    void aDestinationThatWouldBeReallocatedIsAnErrorNotASilentCopy() {
        TestPng png = TestPng.random(Kind.RGBA, 5, 5, 8, false, 72);
        open(5, 5, 4, Fit.PAD);
        ByteBuffer wrongMemory = ByteBuffer.allocateDirect(4 * 4 * 4);
        Mat wrongSize = new Mat(4, 4, CvType.CV_8UC4, wrongMemory);
        try {
            assertThrows(IllegalStateException.class,
                    () -> decoder.decodeInto(ByteBuffer.wrap(png.encode()), wrongSize));
        } finally {
            wrongSize.release();
            java.lang.ref.Reference.reachabilityFence(wrongMemory);
        }
    }

    @Test
    void badBytesAreRejectedWithAReasonNotAnException() {
        byte[] good = TestPng.random(Kind.RGBA, 16, 16, 8, false, 81).encode();
        open(16, 16, 4, Fit.PAD);

        assertEquals(RejectReason.NULL_VALUE, decoder.decodeInto(null, slot));
        assertEquals(RejectReason.EMPTY, decoder.decodeInto(ByteBuffer.allocate(0), slot));
        assertEquals(RejectReason.UNSUPPORTED, decoder.decodeInto(ByteBuffer.wrap(random(500, 1)), slot));
        assertEquals(RejectReason.UNSUPPORTED, decoder.decodeInto(ByteBuffer.wrap("not an image".getBytes()), slot));
        assertEquals(RejectReason.UNDECODABLE, decoder.decodeInto(ByteBuffer.wrap(TestPng.truncated(good, 0.6)), slot));
        assertEquals(RejectReason.UNDECODABLE, decoder.decodeInto(ByteBuffer.wrap(TestPng.corruptChunk(good)), slot));
        byte[] pngPrefixThenNoise = good.clone();
        System.arraycopy(random(good.length - 40, 2), 0, pngPrefixThenNoise, 40, good.length - 40);
        assertEquals(RejectReason.UNDECODABLE, decoder.decodeInto(ByteBuffer.wrap(pngPrefixThenNoise), slot));
        // The decoder keeps working after rejections.
        assertNull(decoder.decodeInto(ByteBuffer.wrap(good), slot));
    }

    @Test
    void aDecompressionBombIsRejectedFromItsHeaderBeforeDecoding() {
        open(16, 16, 4, Fit.PAD);
        RejectReason reason = decoder.decodeInto(ByteBuffer.wrap(TestPng.bomb(30000, 30000)), slot);

        assertEquals(RejectReason.TOO_LARGE, reason);
        assertEquals(true, decoder.lastError().contains("30000x30000"), decoder.lastError());
    }

    @Test
    void aZlibBombIsRejectedFromItsChunkLengthsBeforeAByteIsInflated() {
        open(16, 16, 4, Fit.PAD);
        byte[] bomb = TestPng.zlibBomb(16, 16, 64 << 20); // 64 KB that inflate to 64 MB; the rows need 1,040 bytes

        assertEquals(RejectReason.TOO_LARGE, decoder.decodeInto(ByteBuffer.wrap(bomb), slot));
        assertTrue(decoder.lastError().contains("bytes of image data, more than a 16x16 image of its kind can need"),
                decoder.lastError());
        // Image data about as large as its rows (random pixels do not compress), interlaced, still decodes.
        TestPng largest = TestPng.random(Kind.RGBA, 16, 16, 8, true, 13);
        assertNull(decoder.decodeInto(ByteBuffer.wrap(largest.encode()), slot), () -> decoder.lastError());
    }

    @Test
    void compressedTextIsLeftOutOfTheDecodeAndThePixelsAreTheSame() {
        TestPng png = TestPng.random(Kind.PALETTE, 13, 9, 8, false, 14);
        open(13, 9, 4, Fit.PAD);
        byte[] withText = TestPng.withTextBombs(png.encode(), 4, 8 << 20); // 4 texts of 8 MB each, 8 kB compressed

        assertNull(decoder.decodeInto(ByteBuffer.wrap(withText), slot), () -> decoder.lastError());
        assertArrayEquals(png.expectedRgba(), bytes(memory));
        ByteBuffer direct = ByteBuffer.allocateDirect(withText.length).put(withText).flip();
        assertNull(decoder.decodeInto(direct, slot), () -> decoder.lastError());
        assertArrayEquals(png.expectedRgba(), bytes(memory));
    }

    @Test
    void aRecordOverTheByteLimitIsRejected() {
        OpenCvNatives.load();
        ByteBuffer memory = ByteBuffer.allocateDirect(16 * 16 * 4);
        Mat slot = new Mat(16, 16, CvType.CV_8UC4, memory);
        byte[] png = TestPng.random(Kind.RGBA, 16, 16, 8, false, 91).encode();
        try (SpriteDecoder small = new SpriteDecoder(new PixelSpec(16, 16, 4, Fit.PAD), new DecodeLimits(1 << 20, png.length - 1))) {
            assertEquals(RejectReason.TOO_LARGE, small.decodeInto(ByteBuffer.wrap(png), slot));
        } finally {
            slot.release();
            java.lang.ref.Reference.reachabilityFence(memory);
        }
    }

    @Test
    void theValuesPositionAndLimitAreRespectedAndLeftAlone() {
        byte[] png = TestPng.random(Kind.RGBA, 6, 6, 8, false, 101).encode();
        byte[] framed = new byte[png.length + 20];
        System.arraycopy(png, 0, framed, 10, png.length);
        ByteBuffer view = ByteBuffer.wrap(framed, 10, png.length).slice();
        open(6, 6, 4, Fit.PAD);

        assertNull(decoder.decodeInto(view, slot));

        assertEquals(0, view.position());
        assertEquals(png.length, view.limit());
        assertArrayEquals(TestPng.random(Kind.RGBA, 6, 6, 8, false, 101).expectedRgba(), bytes(memory));
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] bytes(ByteBuffer direct) {
        byte[] out = new byte[direct.capacity()];
        direct.get(0, out);
        return out;
    }

    private static void fill(ByteBuffer direct, byte value) {
        for (int i = 0; i < direct.capacity(); i++) {
            direct.put(i, value);
        }
    }

    /** Copies a w x h RGBA image into an RGBA canvas of width cw at (x0, y0). */
    private static void paste(byte[] src, int w, int h, byte[] canvas, int cw, int x0, int y0) {
        for (int y = 0; y < h; y++) {
            System.arraycopy(src, y * w * 4, canvas, ((y0 + y) * cw + x0) * 4, w * 4);
        }
    }
}
