package io.spritestream.loader.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.loader.replay.OffsetRange;
import io.spritestream.loader.replay.RecordSpace;
import io.spritestream.record.SpriteRecords;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The sink on its own, with records made here and blocks delivered the way the reader does. */
class OrderedSinkTest {

    /** Partition 0 offsets 10..19 (indices 0..9), partition 1 offsets 100..105 (indices 10..15). */
    private static final RecordSpace SPACE = new RecordSpace(List.of(
            new OffsetRange(0, 10, 20), new OffsetRange(1, 100, 106)));

    /** Label headers read so far (by every record made here). */
    private static final AtomicInteger LABEL_READS = new AtomicInteger();

    private static final class Recording implements RecordTarget {
        final List<Long> positions = new ArrayList<>();
        final List<Integer> indices = new ArrayList<>();
        final List<String> labels = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        final List<ByteBuffer> values = new ArrayList<>();

        @Override
        public void accept(RecordView record, long position) {
            positions.add(position);
            indices.add(SPACE.indexOf(record.partition(), record.offset()));
            labels.add(new String(record.label(), StandardCharsets.UTF_8));
            values.add(record.value());
        }

        @Override
        public void missing(long position, int partition, long offset) {
            missing.add(position + "@" + partition + "/" + offset);
        }
    }

    /** A record as the reader gets it: its own value buffer, a label header that counts its reads. */
    private static ConsumerRecord<ByteBuffer, ByteBuffer> record(int partition, long offset) {
        byte[] label = ("label " + partition + "/" + offset).getBytes(StandardCharsets.UTF_8);
        Header counted = new Header() {
            @Override
            public String key() {
                return SpriteRecords.LABEL;
            }

            @Override
            public byte[] value() {
                LABEL_READS.incrementAndGet();
                return label;
            }
        };
        return new ConsumerRecord<>("t", partition, offset, 0L, TimestampType.CREATE_TIME, 0, 0, null,
                ByteBuffer.allocate(1), new RecordHeaders(new Header[] {counted}), Optional.empty());
    }

    /** Delivers every planned block as the reader would, leaving out the offsets in {@code gaps}. */
    private static void deliver(OrderedSink sink, Set<String> gaps) throws InterruptedException {
        for (OffsetRange block : sink.fetchPlan().blocks()) {
            for (long offset = block.start(); offset < block.end(); offset++) {
                if (!gaps.contains(block.partition() + "/" + offset)) {
                    sink.accept(record(block.partition(), offset));
                }
            }
            sink.endBlock(block);
        }
    }

    @Test
    void handsOutRecordsInTheOrderWithTheirLabelsAndPositions() throws InterruptedException {
        int[] order = {12, 3, 0, 15, 7, 10, 1, 14, 9, 4};
        Recording target = new Recording();
        OrderedSink sink = new OrderedSink(SPACE, order, 0, 4, target);

        int readsBefore = LABEL_READS.get();
        deliver(sink, Set.of());
        sink.finish();

        assertEquals(List.of(12, 3, 0, 15, 7, 10, 1, 14, 9, 4), target.indices);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), target.positions);
        assertEquals("label 1/102", target.labels.get(0));
        assertEquals("label 0/13", target.labels.get(1));
        // A label is read once, on arrival; records of a fetched block that the order does not use
        // are neither read nor handed out.
        assertEquals(order.length, LABEL_READS.get() - readsBefore);
        assertTrue(target.missing.isEmpty());
    }

    @Test
    void aRecordUsedTwiceIsHandedOutTwiceFromOneArrival() throws InterruptedException {
        int[] order = {5, 2, 5, 11, 2};
        Recording target = new Recording();
        OrderedSink sink = new OrderedSink(SPACE, order, 0, 4, target);

        int readsBefore = LABEL_READS.get();
        deliver(sink, Set.of());
        sink.finish();

        assertEquals(List.of(5, 2, 5, 11, 2), target.indices);
        assertSame(target.values.get(0), target.values.get(2));
        assertEquals(target.labels.get(1), target.labels.get(4));
        assertEquals(3, LABEL_READS.get() - readsBefore);
    }

    @Test
    void offsetsMissingFromTheTopicAreReportedAtTheirPositionAndSkipped() throws InterruptedException {
        int[] order = {8, 1, 13, 6};
        Recording target = new Recording();
        OrderedSink sink = new OrderedSink(SPACE, order, 0, 4, target);

        deliver(sink, Set.of("0/11", "1/103"));
        sink.finish();

        assertEquals(List.of(8, 6), target.indices);
        assertEquals(List.of(0L, 3L), target.positions);
        assertEquals(List.of("1@0/11", "2@1/103"), target.missing);
    }

    @Test
    void aResumedOrderStartsAtItsPositionAndPlansOnlyWhatIsLeft() throws InterruptedException {
        int[] order = {0, 1, 2, 3, 12, 13};
        Recording target = new Recording();
        OrderedSink sink = new OrderedSink(SPACE, order, 4, 4, target);

        assertEquals(List.of(new OffsetRange(1, 100, 104)), sink.fetchPlan().blocks());
        deliver(sink, Set.of());
        sink.finish();

        assertEquals(List.of(12, 13), target.indices);
        assertEquals(List.of(4L, 5L), target.positions);
    }

    @Test
    void theNextEpochsSinkStartsCleanWhenItReusesTheTables() throws InterruptedException {
        Recording first = new Recording();
        OrderedSink sink = new OrderedSink(SPACE, new int[] {8, 1, 13, 6, 8}, 0, 4, first);
        deliver(sink, Set.of("0/11", "1/103"));
        sink.finish();

        Recording second = new Recording();
        OrderedSink next = sink.following(new int[] {1, 13, 6, 0, 15}, 0, second);
        deliver(next, Set.of());
        next.finish();

        // Records missing last epoch are there now, and nothing is left over from the first order.
        assertEquals(List.of(1, 13, 6, 0, 15), second.indices);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), second.positions);
        assertTrue(second.missing.isEmpty(), second.missing.toString());
    }

    @Test
    void aSinkThatStoppedHalfWayHandsFreshTablesToTheNext() throws InterruptedException {
        OrderedSink sink = new OrderedSink(SPACE, new int[] {2, 3, 12}, 0, 4, new Recording());
        sink.accept(record(0, 13)); // index 3 waits for index 2

        // The record that waited in the first sink must not stand in for one missing now.
        Recording second = new Recording();
        OrderedSink next = sink.following(new int[] {3, 2}, 0, second);
        deliver(next, Set.of("0/13"));
        next.finish();

        assertEquals(List.of("0@0/13"), second.missing);
        assertEquals(List.of(2), second.indices);
        assertEquals(List.of(1L), second.positions);
    }

    @Test
    void finishNamesTheFirstRecordThatNeverArrived() throws InterruptedException {
        int[] order = {0, 10};
        OrderedSink sink = new OrderedSink(SPACE, order, 0, 4, new Recording());
        sink.accept(record(0, 10));

        IllegalStateException e = assertThrows(IllegalStateException.class, sink::finish);
        assertTrue(e.getMessage().startsWith("record 1/100 of the plan never arrived (1 records left)"), e.getMessage());
    }
}
