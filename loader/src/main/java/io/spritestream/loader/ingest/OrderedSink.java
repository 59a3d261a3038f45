package io.spritestream.loader.ingest;

import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.replay.RecordSpace;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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
 * when their block is complete, and skipped. Confined to the reader thread.
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
    private int next;

    /**
     * @param order     record indices, position by position
     * @param start     the first position to hand out (a resumed run skips the ones before)
     * @param blockSize records per block to fetch
     */
    public OrderedSink(RecordSpace space, int[] order, int start, int blockSize, RecordTarget target) {
        this(space, order, start, blockSize, target, new int[space.size()], new boolean[space.size()],
                new Object[2 * space.size()]);
    }

    private OrderedSink(RecordSpace space, int[] order, int start, int blockSize, RecordTarget target, int[] uses,
                        boolean[] missing, Object[] waiting) {
        this.space = space;
        this.order = order;
        this.start = start;
        this.next = start;
        this.blockSize = blockSize;
        this.target = target;
        this.uses = uses;
        this.missing = missing;
        this.waiting = waiting;
        for (int q = start; q < order.length; q++) {
            uses[order[q]]++;
        }
    }

    /**
     * A sink for another order over the same records (the next epoch). It reuses this sink's tables
     * if this one handed out its whole order, since they are clear then: a table a record is not
     * allocated again every epoch.
     */
    public OrderedSink following(int[] nextOrder, int nextStart, RecordTarget nextTarget) {
        if (next < order.length) {
            return new OrderedSink(space, nextOrder, nextStart, blockSize, nextTarget);
        }
        java.util.Arrays.fill(missing, false);
        return new OrderedSink(space, nextOrder, nextStart, blockSize, nextTarget, uses, missing, waiting);
    }

    /** The blocks holding the records still to hand out, in the order they are first needed. */
    public ReadPlan fetchPlan() {
        List<int[]> blocks = space.blocks(blockSize);
        int[] starts = new int[blocks.size()];
        for (int b = 0; b < starts.length; b++) {
            starts[b] = blocks.get(b)[0];
        }
        boolean[] planned = new boolean[blocks.size()];
        List<OffsetRange> plan = new ArrayList<>();
        for (int q = start; q < order.length; q++) {
            int b = blockOf(starts, order[q]);
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

    @Override
    public void accept(ConsumerRecord<ByteBuffer, ByteBuffer> record) throws InterruptedException {
        int index = space.indexOf(record.partition(), record.offset());
        if (index < 0 || uses[index] == 0) {
            return;
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
        drain();
    }

    @SuppressWarnings("unchecked")
    private void drain() throws InterruptedException {
        while (next < order.length) {
            int index = order[next];
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
        target.accept(view.of(record, label), position);
    }

    /** Positions handed out (or skipped as missing) so far. */
    public int position() {
        return next;
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
