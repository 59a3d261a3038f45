package io.spritestream.loader.jmh;

import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.OpenCvNatives;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.decode.SpriteDecoder;
import io.spritestream.producer.source.Sprite;
import io.spritestream.producer.source.SyntheticSprites;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/** Decoding one synthetic sprite into a slot of a slab (the per-sample work of a decode thread). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class DecodeBenchmark {

    @Param({"32", "64"})
    public int size;

    private final List<ByteBuffer> sprites = new ArrayList<>();
    private SpriteDecoder decoder;
    /** Held for as long as the Mat wraps it: a Mat does not keep its memory reachable. */
    private ByteBuffer slotMemory;
    private Mat slot;
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        OpenCvNatives.load();
        SpriteDecoder.useSingleThreadedOpenCv();
        new SyntheticSprites(256, 8, size, 7).forEach((Sprite s) -> sprites.add(ByteBuffer.wrap(s.bytes())));
        PixelSpec spec = new PixelSpec(size, size, 4, Fit.PAD);
        decoder = new SpriteDecoder(spec, DecodeLimits.DEFAULT);
        slotMemory = ByteBuffer.allocateDirect(spec.sampleBytes());
        slot = new Mat(size, size, CvType.CV_8UC4, slotMemory);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decoder.close();
        slot.release();
    }

    @Benchmark
    public RejectReason decodeIntoSlot() {
        ByteBuffer sprite = sprites.get(next++ & 255);
        return decoder.decodeInto(sprite, slot);
    }
}
