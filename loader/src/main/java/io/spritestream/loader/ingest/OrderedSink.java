package io.spritestream.loader.ingest;

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
 * read plan (the shuffle buffer) plus the reader's window.
 *
 * <p>Offsets that do not exist (gaps left by transactions or compaction) are reported as missing
 * when their block is complete, and skipped. Confined to the reader thread.
 */
public final class OrderedSink implements RangeReader.Sink {

    /** Receives records in order, each with its position in the order. */
    public interface Target {
        void accept(ConsumerRecord<ByteBuffer, ByteBuffer> record, long position) throws InterruptedException;

        /** The record at {@code position} does not exist in the topic. */
        void missing(long position, int partition, long offset);
    }

    private final RecordSpace space;
    private final int[] order;
    private final int blockSize;
    private final Target target;
    private final int start;
    private final int[] uses;
    private final boolean[] missing;
    private final WaitingRecords waiting = new WaitingRecords();
    private int next;

    /**
     * @param order     record indices, position by position
     * @param start     the first position to hand out (a resumed run skips the ones before)
     * @param blockSize records per block to fetch
     */
    public OrderedSink(RecordSpace space, int[] order, int start, int blockSize, Target target) {
        this.space = space;
        this.order = order;
        this.start = start;
        this.next = start;
        this.blockSize = blockSize;
        this.target = target;
        this.uses = new int[space.size()];
        this.missing = new boolean[space.size()];
        for (int q = start; q < order.length; q++) {
            uses[order[q]]++;
        }
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
        if (next < order.length && order[next] == index) {
            handOut(index, record);
            drain();
        } else {
            waiting.put(index, record);
        }
    }

    @Override
    public void endBlock(OffsetRange block) throws InterruptedException {
        int first = space.indexOf(block.partition(), block.start());
        for (int i = first; i < first + block.size(); i++) {
            if (uses[i] > 0 && !waiting.containsKey(i)) {
                missing[i] = true;
            }
        }
        drain();
    }

    private void drain() throws InterruptedException {
        while (next < order.length) {
            int index = order[next];
            ConsumerRecord<ByteBuffer, ByteBuffer> record = waiting.get(index);
            if (record != null) {
                handOut(index, record);
            } else if (missing[index]) {
                target.missing(next, space.partitionOf(index), space.offsetOf(index));
                uses[index]--;
                next++;
            } else {
                return;
            }
        }
    }

    private void handOut(int index, ConsumerRecord<ByteBuffer, ByteBuffer> record) throws InterruptedException {
        long position = next++;
        if (--uses[index] == 0) {
            waiting.remove(index);
        } else {
            waiting.put(index, record);
        }
        target.accept(record, position);
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
