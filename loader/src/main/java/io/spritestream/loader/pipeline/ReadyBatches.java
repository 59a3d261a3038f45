package io.spritestream.loader.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The hand-off from the assembler thread to the trainer's: batches made ahead of
 * {@link SpriteLoader#next()}, with epoch ends and the end, in delivery order. One producer (the
 * assembler), one consumer (the trainer's thread).
 *
 * <p>Taking never makes the trainer's thread wake another thread (a system call that costs tens of
 * microseconds on some virtual machines, as much as 1 % of a short training step): when
 * {@link #CAPACITY} batches are ready the assembler sleeps about as long as the trainer takes to
 * use half of them, and the trainer wakes it only when it finds nothing ready (then it waits
 * anyway). The assembler wakes a sleeping trainer when it hands something over (its own time pays).
 */
final class ReadyBatches {

    /** Batches the assembler may have ready before the trainer asks (each holds a slab). */
    static final int CAPACITY = 4;
    private static final long WAIT_SLICE_NANOS = 100_000_000L;

    private final ConcurrentLinkedQueue<ToTrainer> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger batches = new AtomicInteger();
    private volatile Thread trainerParked;
    private volatile Thread assemblerParked;
    /**
     * How long the trainer works between two batches (a moving average of the time from one
     * {@link #take} returning to the next call, its waits left out).
     */
    private volatile long trainerWorkNanos;
    private long lastReturnNanos;

    /** Assembler: waits while {@link #CAPACITY} batches are ready, sleeping by the trainer's pace. */
    void awaitRoom(Stages stages) throws InterruptedException {
        while (batches.get() >= CAPACITY) {
            long pause = Math.max(20_000L, Math.min(5_000_000L, trainerWorkNanos * (CAPACITY / 2)));
            assemblerParked = Thread.currentThread();
            if (batches.get() >= CAPACITY) {
                LockSupport.parkNanos(this, pause);
            }
            assemblerParked = null;
            if (Thread.interrupted() || stages.isStopping()) {
                throw new InterruptedException("loader stopping");
            }
        }
    }

    /** Assembler: hands over {@code item} (after {@link #awaitRoom} for a batch) and wakes a waiting trainer. */
    void put(ToTrainer item) {
        if (item instanceof ToTrainer.Assembled) {
            batches.incrementAndGet();
        }
        queue.add(item);
        Thread trainer = trainerParked;
        if (trainer != null) {
            LockSupport.unpark(trainer);
        }
    }

    /** Trainer: it asks for a batch at {@code now} (its work since the last batch ends here). */
    void trainerAsks(long now) {
        if (lastReturnNanos != 0) {
            trainerWorkNanos = (3 * trainerWorkNanos + (now - lastReturnNanos)) / 4;
        }
    }

    /** Trainer: it got its batch (or the end) at {@code now}. */
    void trainerGot(long now) {
        lastReturnNanos = now;
    }

    /** Trainer: the next item, waiting for it; a stage's failure is thrown once nothing is ready. */
    ToTrainer take(Stages stages) throws InterruptedException {
        while (true) {
            ToTrainer item = queue.poll();
            if (item != null) {
                if (item instanceof ToTrainer.Assembled) {
                    batches.decrementAndGet();
                }
                return item;
            }
            stages.rethrowFailure();
            // Nothing ready: this thread waits anyway, so it may pay for waking a sleeping assembler.
            Thread sleeping = assemblerParked;
            if (sleeping != null) {
                LockSupport.unpark(sleeping);
            }
            trainerParked = Thread.currentThread();
            if (queue.isEmpty()) {
                LockSupport.parkNanos(this, WAIT_SLICE_NANOS);
            }
            trainerParked = null;
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /** Everything not taken, for closing (after the assembler stopped). */
    List<ToTrainer> drain() {
        List<ToTrainer> left = new ArrayList<>();
        for (ToTrainer item = queue.poll(); item != null; item = queue.poll()) {
            left.add(item);
        }
        batches.set(0);
        return left;
    }
}
