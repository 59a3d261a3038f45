package io.spritestream.loader.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.spritestream.loader.testing.NpyFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyWriterTest {

    @TempDir
    Path dir;

    @Test
    void uint8RowsWrittenInPiecesParseBackWithTheFinalShape() throws Exception {
        Path file = dir.resolve("images.npy");
        byte[] expected = new byte[5 * 2 * 3 * 4];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (byte) (i * 7);
        }
        try (NpyWriter writer = NpyWriter.uint8(file, 2, 3, 4)) {
            ByteBuffer direct = ByteBuffer.allocateDirect(expected.length);
            direct.put(expected).flip();
            writer.write(direct.slice(0, 2 * 24));
            writer.write(direct.slice(2 * 24, 3 * 24));
            assertEquals(5, writer.rows());
        }

        NpyFile npy = NpyFile.read(file);
        assertEquals("|u1", npy.descr());
        assertFalse(npy.fortranOrder());
        assertArrayEquals(new int[] {5, 2, 3, 4}, npy.shape());
        assertEquals(0, npy.headerTotal() % 64, "data starts at a multiple of 64");
        assertArrayEquals(expected, npy.data());
    }

    @Test
    void int32ValuesParseBackAsA1dArray() throws Exception {
        Path file = dir.resolve("labels.npy");
        try (NpyWriter writer = NpyWriter.int32(file)) {
            ByteBuffer labels = ByteBuffer.allocate(12).order(ByteOrder.nativeOrder());
            labels.putInt(3).putInt(-1).putInt(70000).flip();
            writer.write(labels);
        }
        NpyFile npy = NpyFile.read(file);
        assertEquals("<i4", npy.descr());
        assertArrayEquals(new int[] {3}, npy.shape());
        assertArrayEquals(new int[] {3, -1, 70000}, npy.int32());
    }

    @Test
    void anEmptyExportIsAValidZeroRowArray() throws Exception {
        Path file = dir.resolve("empty.npy");
        new NpyWriter(file, "|u1", 1, 4, 4).close();
        NpyFile npy = NpyFile.read(file);
        assertArrayEquals(new int[] {0, 4, 4}, npy.shape());
        assertEquals(0, npy.data().length);
    }

    @Test
    void partialRowsAreRefused() throws Exception {
        try (NpyWriter writer = NpyWriter.uint8(dir.resolve("x.npy"), 4)) {
            assertThrows(IllegalArgumentException.class, () -> writer.write(ByteBuffer.allocate(6)));
        }
    }
}
