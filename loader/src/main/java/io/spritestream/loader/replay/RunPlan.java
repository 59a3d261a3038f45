package io.spritestream.loader.replay;

import java.util.List;

/**
 * The orders of one rank's run: which records it reads in each epoch, and from which position it
 * starts (a resumed run skips what it had delivered). A pure function of the record space, the
 * {@link OrderSpec}, the ranks and the resume point, so every restart and every rank computes the
 * same plan. The start epoch's order is computed once, up front; later ones when asked.
 *
 * <p>Immutable apart from that first order (never changed after construction); thread-safe.
 */
public final class RunPlan {

    private final RecordSpace space;
    private final OrderSpec order;
    private final int epochs;
    private final int worldSize;
    private final int rank;
    private final int startEpoch;
    private final long startPosition;
    private final List<Split> startSplits;
    private final int[] firstOrder;

    /**
     * @param epochs        epochs of the whole run (the resumed ones included)
     * @param startEpoch    the epoch the run starts in (0, or the resumed one)
     * @param startPosition positions of the start epoch's order already delivered
     * @param startSplits   the start epoch's earlier splits (elastic resume), oldest first
     */
    public RunPlan(RecordSpace space, OrderSpec order, int epochs, int worldSize, int rank, int startEpoch,
                   long startPosition, List<Split> startSplits) {
        this.space = space;
        this.order = order;
        this.epochs = epochs;
        this.worldSize = worldSize;
        this.rank = rank;
        this.startEpoch = startEpoch;
        this.startPosition = startPosition;
        this.startSplits = List.copyOf(startSplits);
        this.firstOrder = EpochOrder.compute(space, order, startEpoch, this.startSplits, worldSize, rank);
    }

    public RecordSpace space() {
        return space;
    }

    public OrderSpec orderSpec() {
        return order;
    }

    /** Epochs of the whole run, the resumed ones included. */
    public int epochs() {
        return epochs;
    }

    public int startEpoch() {
        return startEpoch;
    }

    /** This rank's order of {@code epoch}: record indices, position by position. */
    public int[] order(int epoch) {
        return epoch == startEpoch ? firstOrder : EpochOrder.compute(space, order, epoch, List.of(), worldSize, rank);
    }

    /** The first position of {@code epoch} to deliver (what a resumed run skips to; 0 after its first epoch). */
    public int start(int epoch) {
        return epoch == startEpoch ? (int) Math.min(firstOrder.length, startPosition) : 0;
    }

    /** Earlier splits of {@code epoch} (only the start epoch of an elastic resume has any). */
    public List<Split> splits(int epoch) {
        return epoch == startEpoch ? startSplits : List.of();
    }

    /** Records of {@code epoch}'s order for this rank (a start epoch resumed with splits may differ). */
    public long length(int epoch) {
        if (epoch == startEpoch) {
            return firstOrder.length;
        }
        return order.remainder() == Remainder.DROP ? space.size() / worldSize
                : (space.size() + worldSize - 1) / worldSize;
    }

    /**
     * Records this rank is handed in the whole run, before dead letters and a batch limit: the rest
     * of the start epoch plus a share of every later one.
     */
    public long plannedRecords() {
        long rest = firstOrder.length - start(startEpoch);
        return rest + length(startEpoch + 1) * Math.max(0, epochs - startEpoch - 1);
    }
}
