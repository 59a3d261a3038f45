package io.spritestream.loader.jmh;

import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabPool;
import java.util.concurrent.TimeUnit;
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

/** Taking a slab from the pool and giving it back (what every batch does once). */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SlabPoolBenchmark {

    @Param({"OFF", "SIMPLE"})
    public LeakDetection leakDetection;

    private SlabPool pool;

    @Setup(Level.Trial)
    public void setUp() {
        pool = new SlabPool(new SlabLayout(64, 32, 32, 4), 8, leakDetection);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public int acquireAndRelease() throws InterruptedException {
        var lease = pool.acquire("bench");
        int index = lease.slabIndex();
        lease.close();
        return index;
    }
}
