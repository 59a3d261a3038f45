package io.spritestream.loader.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.spritestream.loader.decode.PixelSpec;
import java.awt.geom.AffineTransform;
import java.awt.image.AffineTransformOp;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.ImageIO;

/**
 * The naive Java baseline of {@link Bench}: ImageIO decode, a float array per sample, a copying
 * {@code NDManager.create} per sample, {@code stack} per batch: what the loader is compared with.
 */
final class NaiveBaseline {

    private final NDManager manager;
    private final Bench.Options options;

    NaiveBaseline(NDManager manager, Bench.Options options) {
        this.manager = manager;
        this.options = options;
    }

    /** (d) ImageIO decode, per-sample float arrays, copying create per sample, stack per batch. */
    BenchReport.Stage naive(List<byte[]> records) throws Exception {
        PixelSpec p = options.pixels();
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), StageFigures.named("spritestream-bench-naive"));
        ThreadAllocations alloc = new ThreadAllocations(n -> n.startsWith("spritestream-bench-naive")
                || n.equals(Thread.currentThread().getName()));
        try (NDManager naive = manager.newSubManager()) {
            CpuUse cpu = new CpuUse(StageFigures.roles("naive main"));
            cpu.start();
            alloc.start();
            long began = System.nanoTime();
            long samples = 0;
            for (int from = 0; from < records.size(); from += options.batch()) {
                List<Callable<float[]>> decodes = new ArrayList<>();
                for (int i = from; i < Math.min(records.size(), from + options.batch()); i++) {
                    byte[] bytes = records.get(i);
                    decodes.add(() -> naiveSample(bytes, p));
                }
                NDList arrays = new NDList();
                for (Future<float[]> f : pool.invokeAll(decodes)) {
                    float[] pixels = f.get();
                    if (pixels != null) {
                        arrays.add(naive.create(pixels, new Shape(p.height(), p.width(), p.channels())));
                    }
                }
                if (!arrays.isEmpty()) {
                    try (NDArray stacked = NDArrays.stack(arrays)) {
                        samples += stacked.getShape().get(0);
                    }
                }
                arrays.close();
            }
            double seconds = (System.nanoTime() - began) / 1e9;
            return StageFigures.stage("naive java", samples, seconds, samples * p.sampleBytes(), alloc.bytesSinceStart())
                    .withCpu(cpu.coresSinceStart());
        } finally {
            pool.shutdownNow();
        }
    }

    /** What a straightforward Java loader does: ImageIO, getRGB per pixel, floats in [0, 1]. */
    static float[] naiveSample(byte[] bytes, PixelSpec p) {
        BufferedImage image;
        try {
            image = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (image == null) {
            return null;
        }
        if (image.getWidth() != p.width() || image.getHeight() != p.height()) {
            AffineTransform scale = AffineTransform.getScaleInstance((double) p.width() / image.getWidth(),
                    (double) p.height() / image.getHeight());
            BufferedImage scaled = new BufferedImage(p.width(), p.height(), BufferedImage.TYPE_INT_ARGB);
            new AffineTransformOp(scale, AffineTransformOp.TYPE_NEAREST_NEIGHBOR).filter(toArgb(image), scaled);
            image = scaled;
        }
        float[] out = new float[p.sampleBytes()];
        int i = 0;
        for (int y = 0; y < p.height(); y++) {
            for (int x = 0; x < p.width(); x++) {
                int argb = image.getRGB(x, y);
                int[] rgba = {argb >>> 16 & 0xFF, argb >>> 8 & 0xFF, argb & 0xFF, argb >>> 24};
                for (int c = 0; c < p.channels(); c++) {
                    out[i++] = rgba[c] / 255f;
                }
            }
        }
        return out;
    }

    private static BufferedImage toArgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_ARGB) {
            return image;
        }
        BufferedImage argb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_ARGB);
        argb.getGraphics().drawImage(image, 0, 0, null);
        return argb;
    }

}
