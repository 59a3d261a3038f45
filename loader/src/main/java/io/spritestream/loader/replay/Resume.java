package io.spritestream.loader.replay;

import io.spritestream.config.InvalidSettingException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Which state a rank continues from. With the same world size, each rank reads its own state. With
 * another world size (elastic resume), every old rank's state is read and what they had not
 * consumed is re-split among the new ranks: the states record the split, so the order stays a pure
 * function of the states and no record is delivered twice.
 *
 * <p>A path containing {@code {rank}} names one state file per rank (e.g. {@code state-{rank}.json}).
 */
public final class Resume {

    private Resume() {}

    /** The state rank {@code rank} of {@code worldSize} continues from. */
    public static LoaderState forRank(Path pattern, int worldSize, int rank) throws IOException {
        boolean perRank = pattern.toString().contains("{rank}");
        LoaderState rankZero = LoaderState.read(perRank ? LoaderState.forRank(pattern, 0) : pattern);
        int oldWorld = rankZero.worldSize();
        if (oldWorld == worldSize) {
            LoaderState own = perRank ? LoaderState.read(LoaderState.forRank(pattern, rank)) : rankZero;
            if (own.rank() != rank) {
                throw InvalidSettingException.format("{resume}: %s holds rank %s's state (expected rank %s; name one "
                        + "file per rank with %s)", pattern, own.rank(), rank, "{rank}");
            }
            return own;
        }
        if (!perRank && oldWorld > 1) {
            throw InvalidSettingException.format("{resume}: %s is one rank's state of %s; resuming with {world-size} %s "
                    + "needs every old rank's state (a path with %s)", pattern, oldWorld, worldSize, "{rank}");
        }
        List<LoaderState> old = new ArrayList<>();
        for (int r = 0; r < oldWorld; r++) {
            LoaderState s = perRank ? LoaderState.read(LoaderState.forRank(pattern, r)) : rankZero;
            if (s.rank() != r || s.worldSize() != oldWorld) {
                throw InvalidSettingException.format("{resume}: %s is rank %s of %s (expected rank %s of %s)",
                        LoaderState.forRank(pattern, r), s.rank(), s.worldSize(), r, oldWorld);
            }
            if (s.epoch() != rankZero.epoch() || !s.splits().equals(rankZero.splits())
                    || !s.orderSpec().equals(rankZero.orderSpec()) || !s.topic().equals(rankZero.topic())) {
                throw InvalidSettingException.format("{resume}: the old ranks' states are not of one run at one epoch"
                        + " (rank 0 is in epoch %s, rank %s in epoch %s)", rankZero.epoch(), r, s.epoch());
            }
            old.add(s);
        }
        long[] positions = old.stream().mapToLong(LoaderState::position).toArray();
        boolean atEpochStart = rankZero.splits().isEmpty() && java.util.Arrays.stream(positions).allMatch(p -> p == 0);
        List<Split> splits = new ArrayList<>(rankZero.splits());
        if (!atEpochStart && !rankZero.finished()) {
            splits.add(new Split(oldWorld, positions));
        }
        return rankZero.resplit(splits, worldSize, rank);
    }
}
