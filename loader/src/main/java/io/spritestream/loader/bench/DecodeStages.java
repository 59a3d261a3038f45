package io.spritestream.loader.bench;

import io.spritestream.loader.augment.Augmenter;
import io.spritestream.loader.decode.DecodeLimits;
import io.spritestream.loader.decode.OpenCvNatives;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.decode.SpriteDecoder;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * The decode stages of {@link Bench}: the ceiling (OpenCV decode and conversion of the record bytes
 * held in memory, {@code threads} threads, nothing else) and the same with the augmentation applied
 * after each decode, the two timed apart.
 */
final class DecodeStages {

    private final Bench.Options options;

    DecodeStages(Bench.Options options) {
        this.options = options;
    }

    BenchReport.Stage ceiling(List<byte[]> records) throws Exception {
        OpenCvNatives.load();
        SpriteDecoder.useSingleThreadedOpenCv();
        ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-bench-decode"));
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), StageFigures.named("spritestream-bench-decode"));
        try {
            // As many samples as a loader run delivers (one pass per epoch), so both are timed as long.
            int[] passes = {1};
            List<Callable<Long>> tasks = new ArrayList<>();
            for (int t = 0; t < options.threads(); t++) {
                int first = t;
                tasks.add(() -> {
                    PixelSpec p = options.pixels();
                    ByteBuffer memory = ByteBuffer.allocateDirect(p.sampleBytes());
                    Mat slot = new Mat(p.height(), p.width(), CvType.CV_8UC(p.channels()), memory);
                    long ok = 0;
                    try (SpriteDecoder decoder = new SpriteDecoder(p, DecodeLimits.DEFAULT)) {
                        for (int pass = 0; pass < passes[0]; pass++) {
                            for (int i = first; i < records.size(); i += options.threads()) {
                                if (decoder.decodeInto(ByteBuffer.wrap(records.get(i)), slot) == null) {
                                    ok++;
                                }
                            }
                        }
                    } finally {
                        slot.release();
                        // The Mat does not keep its memory reachable: without this, the buffer may be
                        // collected while OpenCV still writes into it.
                        java.lang.ref.Reference.reachabilityFence(memory);
                    }
                    return ok;
                });
            }
            return timed("decode ceiling", pool, tasks, passes, alloc, () -> { });
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Runs one task untimed (thread start-up and first-use costs), then {@code afterWarmUp}, then
     * every task over {@code options.epochs()} passes, timed: samples done, seconds, CPU and the
     * allocations of the pool's threads.
     */

    BenchReport.Stage timed(String name, ExecutorService pool, List<Callable<Long>> tasks, int[] passes,
                                    ThreadAllocations alloc, Runnable afterWarmUp) throws Exception {
        pool.invokeAll(tasks.subList(0, 1));
        afterWarmUp.run();
        passes[0] = options.epochs();
        CpuUse cpu = new CpuUse(StageFigures.roles("bench"));
        cpu.start();
        alloc.start();
        long began = System.nanoTime();
        long ok = 0;
        for (Future<Long> f : pool.invokeAll(tasks)) {
            ok += f.get();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        return StageFigures.stage(name, ok, seconds, ok * options.pixels().sampleBytes(), alloc.bytesSinceStart())
                .withCpu(cpu.coresSinceStart());
    }

    /**
     * The ceiling's work, each decoded sample then augmented in place as the loader's decoders do it;
     * each thread times the two apart (one clock read between them).
     */
    BenchReport.Stage augmented(List<byte[]> records) throws Exception {
        OpenCvNatives.load();
        SpriteDecoder.useSingleThreadedOpenCv();
        ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-bench-augment"));
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), StageFigures.named("spritestream-bench-augment"));
        try {
            int[] passes = {1};
            java.util.concurrent.atomic.LongAdder decodeNanos = new java.util.concurrent.atomic.LongAdder();
            java.util.concurrent.atomic.LongAdder augmentNanos = new java.util.concurrent.atomic.LongAdder();
            List<Callable<Long>> tasks = new ArrayList<>();
            for (int t = 0; t < options.threads(); t++) {
                int first = t;
                tasks.add(() -> {
                    PixelSpec p = options.pixels();
                    ByteBuffer memory = ByteBuffer.allocateDirect(p.sampleBytes());
                    Mat slot = new Mat(p.height(), p.width(), CvType.CV_8UC(p.channels()), memory);
                    long ok = 0;
                    long decoding = 0;
                    long augmenting = 0;
                    try (SpriteDecoder decoder = new SpriteDecoder(p, DecodeLimits.DEFAULT);
                         Augmenter augmenter = new Augmenter(options.augment(), p)) {
                        for (int pass = 0; pass < passes[0]; pass++) {
                            for (int i = first; i < records.size(); i += options.threads()) {
                                long began = System.nanoTime();
                                if (decoder.decodeInto(ByteBuffer.wrap(records.get(i)), slot) == null) {
                                    long decoded = System.nanoTime();
                                    augmenter.apply(slot, 1, pass, 0, i);
                                    augmenting += System.nanoTime() - decoded;
                                    decoding += decoded - began;
                                    ok++;
                                }
                            }
                        }
                    } finally {
                        slot.release();
                        java.lang.ref.Reference.reachabilityFence(memory);
                    }
                    decodeNanos.add(decoding);
                    augmentNanos.add(augmenting);
                    return ok;
                });
            }
            BenchReport.Stage stage = timed(Bench.AUGMENTED, pool, tasks, passes, alloc, () -> {
                decodeNanos.reset();
                augmentNanos.reset();
            });
            long ok = Math.max(1, stage.samples());
            return stage.withSplit(decodeNanos.sum() / 1e3 / ok, augmentNanos.sum() / 1e3 / ok);
        } finally {
            pool.shutdownNow();
        }
    }

}
