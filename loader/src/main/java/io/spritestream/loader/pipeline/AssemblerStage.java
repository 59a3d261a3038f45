package io.spritestream.loader.pipeline;

import io.spritestream.loader.batch.BatchAssembler;
import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.batch.SpriteBatch;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * The assembler thread ({@code spritestream-assembler}): takes read slabs in order, waits for (and
 * helps with) their decoding, makes each batch with its DJL views ({@link BatchAssembler}) and hands
 * it to the trainer's thread a few batches ahead ({@link ReadyBatches}), so that thread only takes
 * a finished batch. Torch work happens here, never on the decode threads.
 *
 * <p>{@link #run} on the assembler thread; {@link #inHand}, {@link #handedOverEnd} from any thread;
 * {@link #close} after the thread stopped.
 */
final class AssemblerStage {

    private final BlockingQueue<ToAssembler> fromReader;
    private final BlockingQueue<BatchSlots> decoderChunks;
    private final DecodeWorker helper;
    private final BatchAssembler assembler;
    private final ReadyBatches ready;
    private final Stages stages;
    private DecodeWorker.Tools decoder;
    /** The slab this thread holds between the queue and the batch (closed by the owner if it stops there). */
    private volatile BatchSlots inHand;
    /** This thread handed over the end: it makes no batch and sends no dead letter any more. */
    private volatile boolean handedOverEnd;

    AssemblerStage(BlockingQueue<ToAssembler> fromReader, BlockingQueue<BatchSlots> decoderChunks, DecodeWorker helper,
                   BatchAssembler assembler, ReadyBatches ready, Stages stages) {
        this.fromReader = fromReader;
        this.decoderChunks = decoderChunks;
        this.helper = helper;
        this.assembler = assembler;
        this.ready = ready;
        this.stages = stages;
    }

    void run() throws InterruptedException {
        while (!stages.isStopping()) {
            ToAssembler item = fromReader.take();
            if (item instanceof ToAssembler.Filled filled) {
                if (!assemble(filled.slots())) {
                    return;
                }
            } else if (item instanceof ToAssembler.EpochEnd end) {
                endEpoch(end.epoch());
            } else if (item instanceof ToAssembler.Flush) {
                endEpoch(-1);
            } else {
                handedOverEnd = true;
                ready.put(new ToTrainer.End());
                return;
            }
        }
    }

    /** One slab into the assembler; false if the assembler failed (handed over in its turn). */
    private boolean assemble(BatchSlots slots) throws InterruptedException {
        inHand = slots;
        awaitDecoded(slots);
        long began = System.nanoTime();
        SpriteBatch batch;
        try {
            batch = assembler.accept(slots);
        } catch (RuntimeException e) {
            inHand = null;
            if (!slots.lease().isClosed()) {
                slots.lease().close();
            }
            ready.put(new ToTrainer.Failed(e));
            return false;
        }
        inHand = null;
        if (batch != null) {
            handOver(batch, -1, System.nanoTime() - began);
        }
        return true;
    }

    /** The end of {@code epoch} (-1: a live tail's flush): the partial batch, or the bare end. */
    private void endEpoch(int epoch) throws InterruptedException {
        long began = System.nanoTime();
        SpriteBatch batch = assembler.endEpoch();
        if (batch != null) {
            handOver(batch, epoch, System.nanoTime() - began);
        } else if (epoch >= 0) {
            ready.put(new ToTrainer.EpochDone(epoch, assembler.dropped()));
        }
    }

    private void handOver(SpriteBatch batch, int endsEpoch, long assemblyNanos) throws InterruptedException {
        try {
            ready.awaitRoom(stages);
        } catch (InterruptedException e) {
            batch.close();
            throw e;
        }
        ready.put(new ToTrainer.Assembled(batch, endsEpoch, assembler.repeated(), assembler.dropped(), assemblyNanos,
                oldestTimestamp(batch)));
    }

    private static long oldestTimestamp(SpriteBatch batch) {
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < batch.size(); i++) {
            long t = batch.timestamp(i);
            if (t >= 0 && t < oldest) {
                oldest = t;
            }
        }
        return oldest == Long.MAX_VALUE ? -1 : oldest;
    }

    /**
     * Waits until {@code head} is decoded, decoding meanwhile: first what is unclaimed of
     * {@code head}, then chunks of later slabs; it sleeps briefly only when there is nothing to
     * decode. It is never woken by a decoder: a wake-up per slab cost the decoders 75-85 us each on
     * a virtual machine (a tenth of a decode thread's time).
     */
    private void awaitDecoded(BatchSlots head) throws InterruptedException {
        long pause = 20_000;
        while (!head.isDecoded()) {
            BatchSlots work = head.claimable() ? head : decoderChunks.poll();
            if (work != null) {
                if (decoder == null) {
                    decoder = helper.newTools();
                }
                helper.decodeUnclaimed(decoder, work);
                pause = 20_000;
                continue;
            }
            stages.rethrowFailure();
            if (stages.isStopping()) {
                throw new InterruptedException("loader stopping");
            }
            LockSupport.parkNanos(this, pause);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            pause = Math.min(2 * pause, 200_000);
        }
    }

    /** The slab taken but not yet made into a batch, if the thread stopped in between. */
    BatchSlots inHand() {
        return inHand;
    }

    boolean handedOverEnd() {
        return handedOverEnd;
    }

    /** Frees this stage's decoder (after its thread stopped). */
    void close() {
        if (decoder != null) {
            decoder.close();
        }
        inHand = null;
    }
}
