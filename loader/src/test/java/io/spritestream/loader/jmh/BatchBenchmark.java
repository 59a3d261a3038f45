package io.spritestream.loader.jmh;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.spritestream.loader.batch.BatchAssemblerProbe;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.SlabPool;
import io.spritestream.loader.tensor.SlabViews;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-batch work on the trainer's thread: a zero-copy NDArray view over a slab, and a whole
 * batch assembled (labels written, views made) and closed. One operation = one batch of 64 32x32.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BatchBenchmark {

    private NDManager manager;
    private SlabPool pool;
    private BatchAssemblerProbe assembly;

    @Setup(Level.Trial)
    public void setUp() {
        System.setProperty("ai.djl.offline", "true");
        manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
        pool = new SlabPool(new SlabLayout(64, 32, 32, 4), 4, LeakDetection.SIMPLE);
        assembly = new BatchAssemblerProbe(manager, pool);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        manager.close();
    }

    @Benchmark
    public long viewOverSlab() throws InterruptedException {
        try (SlabLease lease = pool.acquire("bench"); NDManager batch = manager.newSubManager()) {
            NDArray images = SlabViews.images(batch, lease, 64);
            return images.getShape().size();
        }
    }

    @Benchmark
    public int assembleAndCloseBatch() throws InterruptedException {
        return assembly.assembleAndClose();
    }
}
