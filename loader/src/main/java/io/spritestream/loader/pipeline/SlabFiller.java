package io.spritestream.loader.pipeline;

import io.spritestream.loader.replay.KeySplit;
import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.cache.Shard;
import io.spritestream.loader.cache.ShardWriter;
import io.spritestream.loader.ingest.RecordTarget;
import io.spritestream.loader.ingest.RecordView;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.SlabPool;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The reader's side of the pipeline: puts records, in the order the feed hands them over, into the
 * slots of a slab taken from the pool (waiting for one when the pool is empty: that is what stops
 * the reading when the trainer is slow), and hands each full slab to the assembler and, in chunks,
 * to the decoders. Records on the other side of a split by key are skipped here.
 *
 * <p>Confined to the reader thread.
 */
final class SlabFiller implements RecordTarget {

    private final SlabPool pool;
    private final BatchSlots[] slotsBySlab;
    private final KeySplit keySplit;
    private final int chunkSize;
    private final BlockingQueue<BatchSlots> toDecoders;
    private final BlockingQueue<ToAssembler> toAssembler;
    private BatchSlots filling;
    private int epoch;
    private String owner;

    /**
     * @param firstEpoch the epoch of the first records (0, or a resumed run's)
     * @param keySplit   the side of a split to keep, or null for every record
     * @param chunkSize  slots a decoder claims at a time
     */
    SlabFiller(SlabPool pool, int firstEpoch, KeySplit keySplit, int chunkSize, BlockingQueue<BatchSlots> toDecoders,
               BlockingQueue<ToAssembler> toAssembler) {
        this.pool = pool;
        this.slotsBySlab = new BatchSlots[pool.capacity()];
        this.keySplit = keySplit;
        this.chunkSize = chunkSize;
        this.toDecoders = toDecoders;
        this.toAssembler = toAssembler;
        startEpoch(firstEpoch);
    }

    private void startEpoch(int e) {
        this.epoch = e;
        this.owner = "filling, epoch " + e;
    }

    @Override
    public void accept(RecordView record, long position) throws InterruptedException {
        Shard cached = record.cached();
        if (keySplit != null && !keySplit.accepts(record.key())) {
            ShardWriter writer = record.cacheWriter();
            if (writer != null) {
                writer.skipped(record.offset(), record.key(), record.label(), record.timestamp());
            }
            return;
        }
        if (cached != null && !cached.hasSample(record.offset())) {
            throw new IllegalStateException("the cache served " + record.partition() + "/" + record.offset()
                    + " from " + cached + " without its sample");
        }
        if (filling == null) {
            filling = slotsFor(pool.acquire(owner));
        }
        filling.add(position, record.partition(), record.offset(), record.timestamp(), record.key(), record.label(),
                record.value(), cached, record.cacheWriter());
        if (filling.isFull()) {
            dispatch();
        }
    }

    @Override
    public void epochEnd(int ended) throws InterruptedException {
        if (filling != null) {
            dispatch();
        }
        toAssembler.put(new ToAssembler.EpochEnd(ended));
        startEpoch(ended + 1);
    }

    @Override
    public void flush() throws InterruptedException {
        if (filling != null) {
            dispatch();
        }
        toAssembler.put(new ToAssembler.Flush());
    }

    @Override
    public void end() throws InterruptedException {
        toAssembler.put(new ToAssembler.End());
    }

    @Override
    public boolean awaitRoom(long timeout, TimeUnit unit) throws InterruptedException {
        if (filling == null) {
            SlabLease lease = pool.tryAcquire(owner, timeout, unit);
            if (lease == null) {
                return false;
            }
            filling = slotsFor(lease);
        }
        return true;
    }

    /** Returns the slab being filled, if any, to the pool (once the reader thread has stopped). */
    void release() {
        if (filling != null) {
            filling.lease().close();
            filling = null;
        }
    }

    /** The slab's own slots, made on its first use and reused after. */
    private BatchSlots slotsFor(SlabLease lease) {
        BatchSlots slots = slotsBySlab[lease.slabIndex()];
        if (slots == null) {
            slots = new BatchSlots(lease, epoch);
            slotsBySlab[lease.slabIndex()] = slots;
            return slots;
        }
        return slots.reuse(lease, epoch);
    }

    /**
     * Hands the full (or last) slab to the assembler and the decoders. This keeps it until the
     * assembler has it, so an interruption never loses a slab nor returns one twice.
     */
    private void dispatch() throws InterruptedException {
        int chunks = filling.seal(chunkSize);
        toAssembler.put(new ToAssembler.Filled(filling));
        BatchSlots slots = filling;
        filling = null;
        for (int i = 0; i < chunks; i++) {
            toDecoders.put(slots);
        }
    }
}
