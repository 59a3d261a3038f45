package io.spritestream.loader.decode;

import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * One OpenCV {@link Mat} header per slot of every slab of a pool, each wrapping that slot's memory
 * (no copy), made the first time a slot is used and kept for the pool's life.
 *
 * <p>A Mat does not keep the memory it wraps reachable: the pool does, for as long as it lives, and
 * this object must be {@linkplain #close closed} before the pool is dropped.
 *
 * <p>Each slot is used by one thread at a time (the one decoding into it); different slots may be
 * used concurrently. Hand-offs between threads go through the pipeline's blocking queues, which
 * publish the Mats safely.
 */
public final class SlotMats implements AutoCloseable {

    private final SlabLayout layout;
    private final Mat[][] mats;

    public SlotMats(SlabLayout layout, int slabs) {
        OpenCvNatives.load();
        this.layout = layout;
        this.mats = new Mat[slabs][layout.batch()];
    }

    /** The Mat over slot {@code slot} of the leased slab. */
    public Mat slot(SlabLease lease, int slot) {
        Mat[] row = mats[lease.slabIndex()];
        Mat mat = row[slot];
        if (mat == null) {
            mat = new Mat(layout.height(), layout.width(), CvType.CV_8UC(layout.channels()),
                    lease.memory().slice(layout.slotOffset(slot), layout.sampleBytes()));
            row[slot] = mat;
        }
        return mat;
    }

    @Override
    public void close() {
        for (Mat[] row : mats) {
            for (int i = 0; i < row.length; i++) {
                if (row[i] != null) {
                    row[i].release();
                    row[i] = null;
                }
            }
        }
    }
}
