package io.spritestream.loader.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The live tail's shuffle buffer, on a clock the test gives (milliseconds here). */
class MixingBufferTest {

    private static final long HOLD = 1000;

    /** A slow stream: {@code perTick} records every 100 ms for {@code ticks}, released after each tick. */
    private static List<Integer> slowStream(MixingBuffer<Integer> buffer, int ticks, int perTick,
                                            List<Long> waits, List<Long> releasedAt) {
        List<Integer> out = new ArrayList<>();
        long[] arrivedAt = new long[ticks * perTick];
        int n = 0;
        for (int tick = 0; tick < ticks; tick++) {
            long now = tick * 100L;
            for (int k = 0; k < perTick; k++, n++) {
                arrivedAt[n] = now;
                Integer exchanged = buffer.offer(n, now);
                if (exchanged != null) {
                    out.add(exchanged);
                }
            }
            for (Integer r : buffer.releaseArrivedBy(now - HOLD)) {
                out.add(r);
                waits.add(now - arrivedAt[r]);
                releasedAt.add(now);
            }
        }
        return out;
    }

    @Test
    void noRecordWaitsLongerThanTheBoundOnAStreamTooSlowToFillTheBuffer() {
        MixingBuffer<Integer> buffer = new MixingBuffer<>(4096, 7);
        List<Long> waits = new ArrayList<>();
        List<Long> at = new ArrayList<>();
        List<Integer> out = slowStream(buffer, 50, 5, waits, at); // 250 records over 5 s, 50/s
        assertTrue(out.size() >= 250 - 5 * 11, "all but the last bound's worth released: " + out.size());
        assertEquals(0, at.get(0) - HOLD, 100, "the first records leave once the first has waited the bound");
        assertTrue(waits.stream().allMatch(w -> w <= HOLD + 100), "waits " + waits);
        assertTrue(buffer.size() <= 5 * 11, "held: at most what arrived within the bound");
        assertEquals(out.size(), new HashSet<>(out).size(), "each record once");
    }

    @Test
    void recordsStillMixWithinTheBound() {
        List<Long> waits = new ArrayList<>();
        List<Integer> out = slowStream(new MixingBuffer<>(4096, 7), 50, 5, waits, new ArrayList<>());
        int movedEarlier = 0;
        for (int i = 1; i < out.size(); i++) {
            movedEarlier += out.get(i) < out.get(i - 1) ? 1 : 0;
        }
        assertTrue(movedEarlier > out.size() / 4, "not arrival order: " + out);
        assertTrue(waits.stream().anyMatch(w -> w < HOLD / 2), "some leave early, as picks of a smaller buffer");
    }

    @Test
    void aFullBufferThatNothingOutwaitsExchangesExactlyAsWithoutABound() {
        MixingBuffer<Integer> bounded = new MixingBuffer<>(64, 3);
        MixingBuffer<Integer> plain = new MixingBuffer<>(64, 3);
        List<Integer> a = new ArrayList<>();
        List<Integer> b = new ArrayList<>();
        for (int n = 0; n < 10_000; n++) {
            Integer x = bounded.offer(n, n); // a record a millisecond: 64 of them span well under the bound
            if (x != null) {
                a.add(x);
            }
            a.addAll(bounded.releaseArrivedBy(n - 100_000));
            Integer y = plain.offer(n);
            if (y != null) {
                b.add(y);
            }
        }
        assertEquals(b, a);
        assertEquals(64, bounded.size());
    }

    @Test
    void aFullBufferReleasesOnlyAsManyMoreAsHaveOutwaitedTheBound() {
        MixingBuffer<Integer> buffer = new MixingBuffer<>(256, 5);
        Set<Integer> out = new HashSet<>();
        int extra = 0;
        for (int n = 0; n < 20_000; n++) {
            Integer x = buffer.offer(n, n);
            if (x != null) {
                out.add(x);
            }
            List<Integer> due = buffer.releaseArrivedBy(n - 1000); // ~2 % outwait 1,000 offers of a 256 buffer
            extra += due.size();
            out.addAll(due);
        }
        assertTrue(extra > 0 && extra < 20_000 / 10, "released besides the exchanges: " + extra);
        assertTrue(buffer.size() > 256 - 16, "the buffer stays nearly full: " + buffer.size());
        assertEquals(20_000 - buffer.size(), out.size(), "each record once");
    }

    @Test
    void theSameSeedArrivalsAndTimesGiveTheSameOrderAndAnotherSeedAnother() {
        List<Integer> a = slowStream(new MixingBuffer<>(4096, 7), 30, 5, new ArrayList<>(), new ArrayList<>());
        List<Integer> b = slowStream(new MixingBuffer<>(4096, 7), 30, 5, new ArrayList<>(), new ArrayList<>());
        List<Integer> c = slowStream(new MixingBuffer<>(4096, 8), 30, 5, new ArrayList<>(), new ArrayList<>());
        assertEquals(a, b);
        assertNotEquals(a, c);
    }
}
