package io.spritestream.loader.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import java.nio.ByteBuffer;

/**
 * Zero-copy DJL views of a slab: on the PyTorch engine a direct buffer becomes a tensor over the
 * same memory ({@code torch::from_blob}); DJL keeps a reference to the buffer while the array lives.
 * Writes through either side show through the other.
 *
 * <p>Views are CPU tensors: a manager on another device would copy, so the caller passes a CPU
 * manager and moves batches to the device explicitly. Each call makes a fresh buffer slice of
 * exactly the array's size (DJL ignores a buffer's position and may change the limit of a larger one).
 */
public final class SlabViews {

    private SlabViews() {}

    /** {@code [n, H, W, C]} uint8 view of the first {@code n} samples' pixels. */
    public static NDArray images(NDManager manager, SlabLease lease, int n) {
        SlabLayout layout = lease.layout();
        ByteBuffer pixels = lease.images(n);
        return manager.create(pixels, new Shape(n, layout.height(), layout.width(), layout.channels()), DataType.UINT8);
    }

    /** {@code [n]} int32 view of the first {@code n} labels. */
    public static NDArray labels(NDManager manager, SlabLease lease, int n) {
        return manager.create(lease.labels(n), new Shape(n), DataType.INT32);
    }

    /** Checks that {@code manager} makes views rather than copies (a CPU manager). */
    public static void requireCpu(NDManager manager) {
        if (!ai.djl.Device.Type.CPU.equals(manager.getDevice().getDeviceType())) {
            throw new IllegalArgumentException("manager device: " + manager.getDevice()
                    + " (expected a CPU manager: views of host memory; move batches to the device afterwards)");
        }
    }
}
