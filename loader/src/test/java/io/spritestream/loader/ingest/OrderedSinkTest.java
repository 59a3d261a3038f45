package io.spritestream.loader.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.loader.replay.RecordSpace;
import java.nio.ByteBuffer;
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

    private static final class Recording implements OrderedSink.Target {
        final List<Long> positions = new ArrayList<>();
        final List<Integer> indices = new ArrayList<>();
        final List<Object> notes = new ArrayList<>();
        final List<String> missing = new ArrayList<>();
        final List<ConsumerRecord<ByteBuffer, ByteBuffer>> records = new ArrayList<>();
        int arrivals;

        @Override
        public Object arrived(ConsumerRecord<ByteBuffer, ByteBuffer> record) {
            arrivals++;
            return "note " + record.partition() + "/" + record.offset();
        }

        @Override
        public void accept(ConsumerRecord<ByteBuffer, ByteBuffer> record, Object note, long position) {
            positions.add(position);
            indices.add(SPACE.indexOf(record.partition(), record.offset()));
            notes.add(note);
            records.add(record);
        }

        @Override
        public void missing(long position, int partition, long offset) {
            missing.add(position + "@" + partition + "/" + offset);
        }
    }

    /** Delivers every planned block as the reader would, leaving out the offsets in {@code gaps}. */
    private static void deliver(OrderedSink sink, Set<String> gaps) throws InterruptedException {
        for (OffsetRange block : sink.fetchPlan().blocks()) {
            for (long offset = block.start(); offset < block.end(); offset++) {
                if (!gaps.contains(block.partition() + "/" + offset)) {
                    sink.accept(new ConsumerRecord<>("t", block.partition(), offset, null, null));
                }
            }
            sink.endBlock(block);
        }
    }

    @Test
    void handsOutRecordsInTheOrderWithTheirArrivalNotesAndPositions() throws InterruptedException {
        int[] order = {12, 3, 0, 15, 7, 10, 1, 14, 9, 4};
        Recording target = new Recording();
        OrderedSink sink = new OrderedSink(SPACE, order, 0, 4, target);

        deliver(sink, Set.of());
        sink.finish();

        assertEquals(List.of(12, 3, 0, 15, 7, 10, 1, 14, 9, 4), target.indices);
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), target.positions);
        assertEquals("note 1/102", target.notes.get(0));
        assertEquals("note 0/13", target.notes.get(1));
        // Records of a fetched block that the order does not use are neither noted nor handed out.
        assertEquals(order.length, target.arrivals);
        assertTrue(target.missing.isEmpty());
    }

    @Test
    void aRecordUsedTwiceIsHandedOutTwiceFromOneArrival() throws InterruptedException {
        int[] order = {5, 2, 5, 11, 2};
        Recording target = new Recording();
        OrderedSink sink = new OrderedSink(SPACE, order, 0, 4, target);

        deliver(sink, Set.of());
        sink.finish();

        assertEquals(List.of(5, 2, 5, 11, 2), target.indices);
        assertSame(target.records.get(0), target.records.get(2));
        assertEquals(target.notes.get(1), target.notes.get(4));
        assertEquals(3, target.arrivals);
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
        sink.accept(new ConsumerRecord<>("t", 0, 13L, null, null)); // index 3 waits for index 2

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
        sink.accept(new ConsumerRecord<>("t", 0, 10L, null, null));

        IllegalStateException e = assertThrows(IllegalStateException.class, sink::finish);
        assertTrue(e.getMessage().startsWith("record 1/100 of the plan never arrived (1 records left)"), e.getMessage());
    }
}
