package io.spritestream.loader.ingest;

import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.replay.RecordSpace;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import io.spritestream.loader.cache.Shard;
import io.spritestream.loader.cache.ShardWriter;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns blocks as Kafka delivers them into records in a given order. The order (record indices,
 * from {@link io.spritestream.loader.replay.EpochOrder}) says which record comes at each position;
 * {@link #fetchPlan()} lists the blocks to read in the order they are first needed, and records that
 * arrive before their turn wait here. Memory is bounded by how far the order reaches ahead of the
 * read plan (the shuffle buffer) plus the reader's window, and two references a record of the space.
 *
 * <p>Records wait in a table indexed by record index (record and label side by side), not in a
 * hash map: a record is handed out long after it arrived, and each lookup of a hash map missed
 * the cache on a shuffled read (a tenth of the reader's time). The label header is read when the
 * record arrives, while its objects are still in cache, for the same reason.
 *
 * <p>Offsets that do not exist (gaps left by transactions or compaction) are reported as missing
 * when their block is complete, and skipped.
 *
 * <p>With a decoded-sample cache ({@link BlockCache}), blocks whose samples the cache holds are not
 * fetched: their records are handed out from the cache at their turn, without waiting. Every
 * record of a fetched block is accounted for in the block's shard writer (handed out with it, or
 * skipped because the order does not use it, or missing). Confined to the reader thread.
 */
public final class OrderedSink implements RangeReader.Sink {

    private final RecordSpace space;
    private final int[] order;
    private final int blockSize;
    private final RecordTarget target;
    private final RecordView view = new RecordView();
    private final int start;
    private final int[] uses;
    private final boolean[] missing;
    /** Slot 2i: the record of index i that arrived before its last turn; slot 2i + 1: its label. */
    private final Object[] waiting;
    private final BlockCache cache;
    /** The space's blocks ({@code [start, end)} record indices) and the first index of each. */
    private final List<int[]> blocks;
    private final int[] blockStarts;
    /** Per block: the cache shard it is served from this epoch, or null (fetched). */
    private final Shard[] servedFrom;
    /** Per block: the writer of its shard, made when its first record arrives (if the cache takes it). */
    private final ShardWriter[] writers;
    private final boolean[] writerAsked;
    /** The previous epoch's writers (its shards may still be in the making), or null. */
    private final ShardWriter[] previousWriters;
    /** How long a block's fetch waits for the previous epoch's shard of it to be published. */
    private static final java.time.Duration AWAIT_PREVIOUS = java.time.Duration.ofSeconds(2);
    /** Per record index: whether it arrived this epoch (only with a cache). */
    private final boolean[] arrived;
    private int next;

    /**
     * @param order     record indices, position by position
     * @param start     the first position to hand out (a resumed run skips the ones before)
     * @param blockSize records per block to fetch
     */
    public OrderedSink(RecordSpace space, int[] order, int start, int blockSize, RecordTarget target) {
        this(space, order, start, blockSize, target, null);
    }

    /** @param cache the decoded-sample cache, or null */
    OrderedSink(RecordSpace space, int[] order, int start, int blockSize, RecordTarget target, BlockCache cache) {
        this(space, order, start, blockSize, target, new int[space.size()], new boolean[space.size()],
                new Object[2 * space.size()], cache, cache == null ? null : new boolean[space.size()], null);
    }

    private OrderedSink(RecordSpace space, int[] order, int start, int blockSize, RecordTarget target, int[] uses,
                        boolean[] missing, Object[] waiting, BlockCache cache, boolean[] arrived,
                        ShardWriter[] previousWriters) {
        this.space = space;
        this.order = order;
        this.start = start;
        this.next = start;
        this.blockSize = blockSize;
        this.target = target;
        this.uses = uses;
        this.missing = missing;
        this.waiting = waiting;
        this.cache = cache;
        this.arrived = arrived;
        this.previousWriters = previousWriters;
        for (int q = start; q < order.length; q++) {
            uses[order[q]]++;
        }
        this.blocks = space.blocks(blockSize);
        this.blockStarts = new int[blocks.size()];
        for (int b = 0; b < blockStarts.length; b++) {
            blockStarts[b] = blocks.get(b)[0];
        }
        this.servedFrom = cache == null ? null : new Shard[blocks.size()];
        this.writers = cache == null ? null : new ShardWriter[blocks.size()];
        this.writerAsked = cache == null ? null : new boolean[blocks.size()];
        if (cache != null) {
            for (int b = 0; b < blocks.size(); b++) {
                int first = blocks.get(b)[0];
                OffsetRange range = space.toOffsets(first, blocks.get(b)[1]);
                servedFrom[b] = cache.servable(range, o -> uses[first + (int) (o - range.start())] > 0);
            }
        }
    }

    /**
     * A sink for another order over the same records (the next epoch). It reuses this sink's tables
     * if this one handed out its whole order, since they are clear then: a table a record is not
     * allocated again every epoch.
     */
    public OrderedSink following(int[] nextOrder, int nextStart, RecordTarget nextTarget) {
        if (cache != null) {
            cache.refresh();
        }
        if (next < order.length) {
            return new OrderedSink(space, nextOrder, nextStart, blockSize, nextTarget, new int[space.size()],
                    new boolean[space.size()], new Object[2 * space.size()], cache,
                    cache == null ? null : new boolean[space.size()], writers);
        }
        java.util.Arrays.fill(missing, false);
        if (arrived != null) {
            java.util.Arrays.fill(arrived, false);
        }
        return new OrderedSink(space, nextOrder, nextStart, blockSize, nextTarget, uses, missing, waiting, cache,
                arrived, writers);
    }

    /** The blocks holding the records still to hand out, in the order they are first needed. */
    public ReadPlan fetchPlan() {
        int[] starts = blockStarts;
        boolean[] planned = new boolean[blocks.size()];
        List<OffsetRange> plan = new ArrayList<>();
        for (int q = start; q < order.length; q++) {
            int b = blockOf(starts, order[q]);
            if (servedFrom != null && servedFrom[b] != null) {
                continue;
            }
            if (!planned[b]) {
                planned[b] = true;
                plan.add(space.toOffsets(blocks.get(b)[0], blocks.get(b)[1]));
            }
        }
        return new ReadPlan(plan);
    }

    private static int blockOf(int[] starts, int index) {
        int b = java.util.Arrays.binarySearch(starts, index);
        return b >= 0 ? b : -b - 2;
    }

    /** Hands out what can go before anything is fetched: records at the head of the order served from the cache. */
    public void start() throws InterruptedException {
        drain();
    }

    @Override
    public void accept(ConsumerRecord<ByteBuffer, ByteBuffer> record) throws InterruptedException {
        int index = space.indexOf(record.partition(), record.offset());
        if (index < 0) {
            return;
        }
        if (uses[index] == 0) {
            if (arrived != null && !arrived[index]) {
                arrived[index] = true;
                ShardWriter w = writer(blockOf(blockStarts, index));
                if (w != null) {
                    w.skipped(record.offset(), record.key(), RecordView.labelOf(record), record.timestamp());
                }
            }
            return;
        }
        if (arrived != null) {
            arrived[index] = true;
            writer(blockOf(blockStarts, index));
        }
        byte[] label = RecordView.labelOf(record);
        if (next < order.length && order[next] == index) {
            handOut(index, record, label);
            drain();
        } else {
            waiting[2 * index] = record;
            waiting[2 * index + 1] = label;
        }
    }

    @Override
    public void endBlock(OffsetRange block) throws InterruptedException {
        int first = space.indexOf(block.partition(), block.start());
        for (int i = first; i < first + block.size(); i++) {
            if (uses[i] > 0 && waiting[2 * i] == null) {
                missing[i] = true;
            }
        }
        if (arrived != null) {
            ShardWriter w = writer(blockOf(blockStarts, first));
            for (int i = first; i < first + block.size(); i++) {
                if (!arrived[i] && w != null) {
                    w.missing(block.start() + (i - first));
                }
            }
        }
        drain();
    }

    /**
     * A block the plan fetches, about to be fetched: if the cache holds it by now (this run's decoders
     * published it since the epoch's plan was made), its records are served from there instead.
     */
    @Override
    public boolean servedElsewhere(OffsetRange block) throws InterruptedException {
        if (cache == null) {
            return false;
        }
        int first = space.indexOf(block.partition(), block.start());
        int b = blockOf(blockStarts, first);
        if (writerAsked[b]) {
            return false; // some of its records arrived already: it is being read
        }
        ShardWriter previous = previousWriters == null ? null : previousWriters[b];
        if (previous != null) {
            // The last epoch's decoders are finishing this block's shard: wait for it rather than decode twice.
            previous.awaitSettled(AWAIT_PREVIOUS);
        }
        Shard shard = cache.servable(block, o -> uses[first + (int) (o - block.start())] > 0);
        if (shard == null) {
            return false;
        }
        servedFrom[b] = shard;
        drain();
        return true;
    }

    /** The writer of block {@code b}'s shard, made on first use; null if the cache takes no more. */
    private ShardWriter writer(int b) {
        if (!writerAsked[b]) {
            writerAsked[b] = true;
            writers[b] = cache.writer(space.toOffsets(blocks.get(b)[0], blocks.get(b)[1]));
        }
        return writers[b];
    }

    @SuppressWarnings("unchecked")
    private void drain() throws InterruptedException {
        while (next < order.length) {
            int index = order[next];
            if (servedFrom != null) {
                Shard shard = servedFrom[blockOf(blockStarts, index)];
                if (shard != null) {
                    handOutCached(index, shard);
                    continue;
                }
            }
            Object record = waiting[2 * index];
            if (record != null) {
                handOut(index, (ConsumerRecord<ByteBuffer, ByteBuffer>) record, (byte[]) waiting[2 * index + 1]);
            } else if (missing[index]) {
                target.missing(next, space.partitionOf(index), space.offsetOf(index));
                uses[index]--;
                next++;
            } else {
                return;
            }
        }
    }

    private void handOut(int index, ConsumerRecord<ByteBuffer, ByteBuffer> record, byte[] label)
            throws InterruptedException {
        long position = next++;
        if (--uses[index] == 0) {
            waiting[2 * index] = null;
            waiting[2 * index + 1] = null;
        } else {
            waiting[2 * index] = record;
            waiting[2 * index + 1] = label;
        }
        target.accept(view.of(record, label, writers == null ? null : writers[blockOf(blockStarts, index)]), position);
    }

    private void handOutCached(int index, Shard shard) throws InterruptedException {
        long position = next++;
        uses[index]--;
        int p = space.partitionOf(index);
        long o = space.offsetOf(index);
        if (shard.isMissing(o)) {
            target.missing(position, p, o);
        } else {
            target.accept(view.ofCached(shard, p, o), position);
        }
    }

    /**
     * Checks that the whole order was handed out.
     *
     * @throws IllegalStateException naming the first record that never arrived
     */
    public void finish() {
        if (next < order.length) {
            int index = order[next];
            throw new IllegalStateException("record " + space.partitionOf(index) + "/" + space.offsetOf(index)
                    + " of the plan never arrived (" + (order.length - next) + " records left)");
        }
    }
}
