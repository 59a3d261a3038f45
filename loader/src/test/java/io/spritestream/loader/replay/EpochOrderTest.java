package io.spritestream.loader.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import io.spritestream.loader.replay.OffsetRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EpochOrderTest {

    /** 3 partitions of uneven sizes, not starting at offset 0. */
    private static final RecordSpace SPACE = new RecordSpace(List.of(
            new OffsetRange(0, 100, 1100), new OffsetRange(1, 0, 700), new OffsetRange(2, 50, 350)));
    private static final int N = 2000;

    private static OrderSpec shuffled(long seed) {
        return new OrderSpec(seed, true, 64, 256, Remainder.DROP);
    }

    private static int[] order(OrderSpec spec, int epoch) {
        return EpochOrder.compute(SPACE, spec, epoch, List.of(), 1, 0);
    }

    @Test
    void theSameSeedGivesTheSameOrderAndAnotherSeedAnother() {
        assertArrayEquals(order(shuffled(7), 0), order(shuffled(7), 0));
        assertFalse(Arrays.equals(order(shuffled(7), 0), order(shuffled(8), 0)));
    }

    @Test
    void eachEpochIsAPermutationOfEveryRecordAndEpochsDiffer() {
        int[] e0 = order(shuffled(7), 0);
        int[] e1 = order(shuffled(7), 1);
        assertArrayEquals(IntStream.range(0, N).toArray(), sorted(e0));
        assertArrayEquals(IntStream.range(0, N).toArray(), sorted(e1));
        assertFalse(Arrays.equals(e0, e1));
        assertFalse(Arrays.equals(e0, IntStream.range(0, N).toArray()), "shuffled, not offset order");
    }

    @Test
    void theMixingBufferBoundsHowFarARecordMovesEarlier() {
        OrderSpec spec = shuffled(11);
        int[] readOrder = EpochOrder.readOrder(SPACE, spec, 3);
        int[] mixed = order(spec, 3);
        int[] readPosition = new int[N];
        for (int i = 0; i < N; i++) {
            readPosition[readOrder[i]] = i;
        }
        for (int q = 0; q < N; q++) {
            assertTrue(readPosition[mixed[q]] <= q + spec.bufferSize(),
                    "record read at " + readPosition[mixed[q]] + " handed out at " + q);
        }
    }

    @Test
    void blocksAreRunsOfConsecutiveOffsetsOfOnePartition() {
        int[] readOrder = EpochOrder.readOrder(SPACE, shuffled(5), 0);
        for (int[] block : SPACE.blocks(64)) {
            int at = indexOf(readOrder, block[0]);
            for (int i = block[0]; i < block[1]; i++) {
                assertEquals(i, readOrder[at + i - block[0]], "block stays contiguous in the read order");
            }
        }
    }

    @Test
    void withoutShuffleTheOrderIsEachPartitionsBlocksInTurn() {
        OrderSpec spec = new OrderSpec(0, false, 500, 1, Remainder.DROP);
        int[] order = order(spec, 0);
        // blocks: p0 [0,500) [500,1000), p1 [1000,1500) [1500,1700), p2 [1700,2000)
        int[] expected = concat(range(0, 500), range(1000, 1500), range(1700, 2000), range(500, 1000), range(1500, 1700));
        assertArrayEquals(expected, order);
        assertArrayEquals(order, order(spec, 1), "the same every epoch");
    }

    @Test
    void ranksGetDisjointEqualSharesWhoseUnionIsTheEpoch() {
        OrderSpec spec = shuffled(3);
        List<Integer> union = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            int[] share = EpochOrder.compute(SPACE, spec, 2, List.of(), 4, r);
            assertEquals(N / 4, share.length);
            Arrays.stream(share).forEach(union::add);
        }
        assertEquals(N, union.size());
        assertEquals(N, union.stream().distinct().count(), "disjoint");
    }

    @Test
    void dropLeavesOutTheRemainderAndItRotatesWithTheEpoch() {
        OrderSpec spec = shuffled(3);
        List<Integer> dropped0 = dropped(spec, 0, 3);
        List<Integer> dropped1 = dropped(spec, 1, 3);
        assertEquals(N % 3, dropped0.size());
        assertEquals(N % 3, dropped1.size());
        assertTrue(!dropped0.equals(dropped1), "another record is left out in another epoch");
    }

    @Test
    void padCompletesTheEpochByRepeatingSoNothingIsLeftOut() {
        OrderSpec spec = new OrderSpec(3, true, 64, 256, Remainder.PAD);
        Map<Integer, Integer> counts = new HashMap<>();
        for (int r = 0; r < 3; r++) {
            int[] share = EpochOrder.compute(SPACE, spec, 0, List.of(), 3, r);
            assertEquals((N + 2) / 3, share.length);
            Arrays.stream(share).forEach(i -> counts.merge(i, 1, Integer::sum));
        }
        assertEquals(N, counts.size(), "every record");
        assertEquals(3 - N % 3, counts.values().stream().filter(c -> c == 2).count(), "the padding repeats");
    }

    @Test
    void anElasticSplitHandsOutTheRestExactlyOnce() {
        OrderSpec spec = shuffled(9);
        // World of 2 consumed 300 and 452 of their shares of 1000 each.
        long[] positions = {300, 452};
        List<Integer> seen = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            int[] share = EpochOrder.compute(SPACE, spec, 0, List.of(), 2, r);
            Arrays.stream(share, 0, (int) positions[r]).forEach(seen::add);
        }
        List<Split> splits = List.of(new Split(2, positions));
        int rest = N - 752;
        for (int r = 0; r < 3; r++) {
            int[] share = EpochOrder.compute(SPACE, spec, 0, splits, 3, r);
            assertEquals(rest / 3, share.length);
            Arrays.stream(share).forEach(seen::add);
        }
        assertEquals(N - rest % 3, seen.size());
        assertEquals(seen.size(), seen.stream().distinct().count(), "no record twice");
        assertEquals(0, rest % 3 == 0 ? N - seen.size() : 0);
    }

    @Test
    void twoElasticSplitsInOneEpochStillHandOutEachRecordOnce() {
        OrderSpec spec = new OrderSpec(4, true, 32, 100, Remainder.DROP);
        List<Integer> seen = new ArrayList<>();
        long[] first = {100, 200, 150};
        for (int r = 0; r < 3; r++) {
            int[] share = EpochOrder.compute(SPACE, spec, 1, List.of(), 3, r);
            Arrays.stream(share, 0, (int) first[r]).forEach(seen::add);
        }
        List<Split> one = List.of(new Split(3, first));
        long[] second = {500, 320};
        for (int r = 0; r < 2; r++) {
            int[] share = EpochOrder.compute(SPACE, spec, 1, one, 2, r);
            Arrays.stream(share, 0, (int) second[r]).forEach(seen::add);
        }
        List<Split> two = List.of(new Split(3, first), new Split(2, second));
        int[] last = EpochOrder.compute(SPACE, spec, 1, two, 1, 0);
        Arrays.stream(last).forEach(seen::add);
        assertEquals(seen.size(), seen.stream().distinct().count(), "no record twice");
        assertEquals(N - 2, seen.size(), "all but the 2 left out when 2000 split 3 ways");
    }

    @Test
    void aRankOutsideTheWorldIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EpochOrder.compute(SPACE, shuffled(1), 0, List.of(), 2, 2));
        assertTrue(e.getMessage().contains("rank 2 world-size 2"), e.getMessage());
        assertTrue(Cli.commandLineMessage(e).contains("--rank 2 --world-size 2"), Cli.commandLineMessage(e));
    }

    @Test
    void theGeneratorIsFixedAcrossVersions() {
        // Pinned values: if these change, every saved order changes; that must never happen silently.
        SplitMix64 rng = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, rng.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, rng.nextLong());
        assertArrayEquals(new int[] {0, 1, 3, 4, 2}, EpochOrder.mix(new int[] {0, 1, 2, 3, 4}, 2, SplitMix64.of(1)));
    }

    private static List<Integer> dropped(OrderSpec spec, int epoch, int world) {
        boolean[] seen = new boolean[N];
        for (int r = 0; r < world; r++) {
            for (int i : EpochOrder.compute(SPACE, spec, epoch, List.of(), world, r)) {
                seen[i] = true;
            }
        }
        List<Integer> left = new ArrayList<>();
        for (int i = 0; i < N; i++) {
            if (!seen[i]) {
                left.add(i);
            }
        }
        return left;
    }

    private static int[] sorted(int[] a) {
        int[] c = a.clone();
        Arrays.sort(c);
        return c;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int[] range(int from, int to) {
        return IntStream.range(from, to).toArray();
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
