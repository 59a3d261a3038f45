package io.spritestream.loader.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spritestream.cli.Cli;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The device-side normalisation against a reference computed in Java from the raw bytes. */
class PixelNormalizationTest {

    private static final int B = 3;
    private static final int H = 5;
    private static final int W = 7;
    private static final int C = 4;

    private NDManager manager;
    private byte[] bytes;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        bytes = new byte[B * H * W * C];
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i < 256 ? i : random.nextInt(256)); // every value at least once
        }
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** A uint8 [B, H, W, C] view of a direct buffer, as the loader's slabs are viewed. */
    private NDArray pixels() {
        ByteBuffer slab = ByteBuffer.allocateDirect(bytes.length);
        slab.put(bytes).flip();
        return manager.create(slab, new Shape(B, H, W, C), DataType.UINT8);
    }

    /** {@code out[b][c][y][x] = (v / 255 - mean[c]) / std[c]} in float arithmetic, from the bytes. */
    private float[] reference(float[] mean, float[] std) {
        float[] out = new float[bytes.length];
        for (int b = 0; b < B; b++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    for (int c = 0; c < C; c++) {
                        float v = (bytes[((b * H + y) * W + x) * C + c] & 0xFF) / 255f;
                        if (mean != null) {
                            v = (v - mean[c]) / std[c];
                        }
                        out[((b * C + c) * H + y) * W + x] = v;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void scalingGivesTheSameFloatsAsTheReferenceInChannelFirstLayout() {
        NDArray input = PixelNormalization.scaleOnly().apply(pixels());

        assertEquals(new Shape(B, C, H, W), input.getShape());
        assertEquals(DataType.FLOAT32, input.getDataType());
        assertArrayEquals(reference(null, null), input.toFloatArray(), 0f);
    }

    @Test
    void meanAndStdGiveTheSameFloatsAsTheReference() {
        float[] mean = {0.5f, 0.25f, 0.125f, 0.7f};
        float[] std = {0.25f, 0.3f, 0.5f, 0.2f};

        NDArray input = PixelNormalization.meanStd(mean, std).apply(pixels());

        assertArrayEquals(reference(mean, std), input.toFloatArray(), 0f);
    }

    @Test
    void theInputBytesAreLeftAsTheyWere() {
        NDArray pixels = pixels();
        PixelNormalization.meanStd(new float[] {1, 1, 1, 1}, new float[] {2, 2, 2, 2}).apply(pixels);
        assertArrayEquals(bytes, pixels.toByteArray());
    }

    @Test
    void aMeanPerChannelIsRequired() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PixelNormalization.meanStd(new float[] {0.5f, 0.5f, 0.5f}, new float[] {1, 1, 1}).apply(pixels()));
        assertEquals("mean/std: 3 values for 4 channels (expected one per channel)", e.getMessage());
        assertEquals("--mean/--std: 3 values for 4 channels (expected one per channel)", Cli.commandLineMessage(e));
        assertThrows(IllegalArgumentException.class,
                () -> PixelNormalization.meanStd(new float[] {0.5f}, new float[] {0f}));
        assertThrows(IllegalArgumentException.class,
                () -> PixelNormalization.meanStd(new float[] {0.5f, 0.5f}, new float[] {1f}));
    }
}
