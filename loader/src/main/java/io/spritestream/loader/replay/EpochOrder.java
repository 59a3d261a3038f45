package io.spritestream.loader.replay;

import io.spritestream.config.InvalidSettingException;
import java.util.ArrayList;
import java.util.List;

/**
 * The order in which one rank reads an epoch: a pure function of the dataset's record space, the
 * {@link OrderSpec}, the epoch number, the ranks (world size, this rank) and the splits that
 * happened earlier in the epoch. Every rank of a job, and every restart, computes the same orders.
 *
 * <ol>
 *   <li>The epoch's read order: blocks of consecutive offsets, permuted with the seed and epoch
 *       (or, unshuffled, each partition's blocks in turn).</li>
 *   <li>The remainder rule makes its length a multiple of the world size; rank {@code r} gets the
 *       {@code r}-th contiguous share (so each rank reads only its own blocks).</li>
 *   <li>Shuffled, each share is mixed by a bounded buffer seeded by (seed, epoch, world size, rank).</li>
 *   <li>After an elastic resume, what every old rank had not consumed is concatenated (old rank 0
 *       first) and split again the same way, without a second mixing.</li>
 * </ol>
 */
public final class EpochOrder {

    private static final long SALT_BLOCKS = 0x426C6F636BL;
    private static final long SALT_BUFFER = 0x4275666665L;

    private EpochOrder() {}

    /**
     * This rank's order: record indices, to be consumed from position 0 (or a resumed position).
     *
     * @param splits earlier splits of this epoch, oldest first (empty without elastic resume)
     */
    public static int[] compute(RecordSpace space, OrderSpec spec, int epoch, List<Split> splits,
                                int worldSize, int rank) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw InvalidSettingException.format("{rank} %s {world-size} %s (expected 0 <= rank < world size)", rank,
                    worldSize);
        }
        int[] sequence = readOrder(space, spec, epoch);
        for (int level = 0; ; level++) {
            boolean current = level == splits.size();
            int n = current ? worldSize : splits.get(level).worldSize();
            int[] even = applyRemainder(sequence, n, spec.remainder());
            int shareSize = even.length / n;
            if (current) {
                return share(even, shareSize, rank, spec, epoch, n, level);
            }
            long[] positions = splits.get(level).positions();
            List<int[]> rests = new ArrayList<>();
            int total = 0;
            for (int r = 0; r < n; r++) {
                int[] share = share(even, shareSize, r, spec, epoch, n, level);
                int from = (int) Math.min(share.length, Math.max(0, positions[r]));
                int[] rest = java.util.Arrays.copyOfRange(share, from, share.length);
                rests.add(rest);
                total += rest.length;
            }
            sequence = new int[total];
            int at = 0;
            for (int[] rest : rests) {
                System.arraycopy(rest, 0, sequence, at, rest.length);
                at += rest.length;
            }
        }
    }

    /** Step 1: the epoch's read order over all records. */
    static int[] readOrder(RecordSpace space, OrderSpec spec, int epoch) {
        List<int[]> blocks = space.blocks(spec.blockSize());
        int[][] ordered;
        if (spec.shuffle()) {
            ordered = blocks.toArray(new int[0][]);
            SplitMix64 rng = SplitMix64.of(spec.seed(), SALT_BLOCKS, epoch);
            for (int i = ordered.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int[] t = ordered[i];
                ordered[i] = ordered[j];
                ordered[j] = t;
            }
        } else {
            ordered = roundRobinByPartition(space, blocks);
        }
        int[] sequence = new int[space.size()];
        int at = 0;
        for (int[] block : ordered) {
            for (int i = block[0]; i < block[1]; i++) {
                sequence[at++] = i;
            }
        }
        return sequence;
    }

    private static int[][] roundRobinByPartition(RecordSpace space, List<int[]> blocks) {
        List<List<int[]>> perPartition = new ArrayList<>();
        int lastPartition = Integer.MIN_VALUE;
        for (int[] block : blocks) {
            int p = space.partitionOf(block[0]);
            if (p != lastPartition) {
                perPartition.add(new ArrayList<>());
                lastPartition = p;
            }
            perPartition.get(perPartition.size() - 1).add(block);
        }
        int[][] ordered = new int[blocks.size()][];
        int at = 0;
        for (int round = 0; at < ordered.length; round++) {
            for (List<int[]> partition : perPartition) {
                if (round < partition.size()) {
                    ordered[at++] = partition.get(round);
                }
            }
        }
        return ordered;
    }

    /** Step 2: a length that divides by {@code n}: the tail dropped, or the head repeated. */
    static int[] applyRemainder(int[] sequence, int n, Remainder remainder) {
        int extra = sequence.length % n;
        if (extra == 0) {
            return sequence;
        }
        if (remainder == Remainder.DROP) {
            return java.util.Arrays.copyOf(sequence, sequence.length - extra);
        }
        int missing = n - extra;
        int[] padded = java.util.Arrays.copyOf(sequence, sequence.length + missing);
        for (int i = 0; i < missing; i++) {
            padded[sequence.length + i] = sequence.length == 0 ? 0 : sequence[i % sequence.length];
        }
        return padded;
    }

    /** Step 3: rank {@code r}'s contiguous share, mixed at the first level when shuffling. */
    private static int[] share(int[] even, int shareSize, int r, OrderSpec spec, int epoch, int n, int level) {
        int[] share = java.util.Arrays.copyOfRange(even, r * shareSize, (r + 1) * shareSize);
        if (spec.shuffle() && level == 0 && spec.bufferSize() > 1) {
            return mix(share, spec.bufferSize(), SplitMix64.of(spec.seed(), SALT_BUFFER, epoch, n, r));
        }
        return share;
    }

    /**
     * The bounded shuffle buffer: fill it, then for each arriving record hand out a random one from
     * the buffer and put the arriving one in its place; at the end, hand out the rest in random order.
     */
    static int[] mix(int[] in, int bufferSize, SplitMix64 rng) {
        int[] out = new int[in.length];
        int[] buffer = new int[Math.min(bufferSize, in.length)];
        int fill = 0;
        int o = 0;
        for (int x : in) {
            if (fill < buffer.length) {
                buffer[fill++] = x;
            } else {
                int j = rng.nextInt(buffer.length);
                out[o++] = buffer[j];
                buffer[j] = x;
            }
        }
        for (int i = fill - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = buffer[i];
            buffer[i] = buffer[j];
            buffer[j] = t;
        }
        System.arraycopy(buffer, 0, out, o, fill);
        return out;
    }
}
