package io.spritestream.loader.replay;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Where a run stands, as batches are delivered: the {@link LoaderState} brought up to the last
 * delivered batch (and written to its file after each, when the run keeps one), the current epoch
 * and the share of it delivered. A live tail has no plan: no epochs, no state.
 *
 * <p>Updated by the thread that takes batches; {@link #state()}, {@link #epoch()} and
 * {@link #epochProgress()} may be read from any thread.
 */
public final class RunProgress {

    private final RunPlan plan;
    private final Path stateFile;
    private final long baseBatches;
    private final long baseSamples;
    private volatile LoaderState state;

    /**
     * @param plan      the run's plan, or null for a live tail
     * @param initial   the state at the start (fresh, or the resumed one brought to this run's settings)
     * @param stateFile where to keep the state after every batch, or null
     */
    public RunProgress(RunPlan plan, LoaderState initial, Path stateFile) {
        this.plan = plan;
        this.state = initial;
        this.stateFile = stateFile;
        this.baseBatches = initial.batchesDelivered();
        this.baseSamples = initial.samplesDelivered();
    }

    /** The state as of the last delivered batch. Any thread. */
    public LoaderState state() {
        return state;
    }

    /**
     * A batch was delivered: its last row was at {@code lastPosition} of {@code epoch}'s order.
     *
     * @param batches batches this run delivered so far (this one included)
     * @param samples samples this run delivered so far
     * @param endsEpoch whether it is its epoch's last batch
     */
    public void delivered(int epoch, long lastPosition, List<String> classes, long batches, long samples,
                          boolean endsEpoch) {
        state = state.at(epoch, lastPosition + 1, plan == null ? List.of() : plan.splits(epoch), classes,
                baseBatches + batches, baseSamples + samples);
        if (endsEpoch) {
            epochDone(epoch, batches, samples);
        } else {
            save();
        }
    }

    /** Every record of {@code epoch} was delivered (or dead-lettered, or dropped). */
    public void epochDone(int epoch, long batches, long samples) {
        state = state.at(epoch + 1, 0, List.of(), state.classes(), baseBatches + batches, baseSamples + samples);
        save();
    }

    /** The epoch being delivered, from 0 (the last one once the run is over; 0 for a live tail). Any thread. */
    public int epoch() {
        return plan == null ? 0 : Math.max(0, Math.min(state.epoch(), plan.epochs() - 1));
    }

    /**
     * Share of this rank's order of the current epoch delivered so far (dead letters and skipped
     * records included), 0..1; NaN for a live tail, which has no epochs. Any thread.
     */
    public double epochProgress() {
        if (plan == null) {
            return Double.NaN;
        }
        LoaderState now = state;
        if (now.epoch() >= plan.epochs()) {
            return 1.0;
        }
        long length = plan.length(now.epoch());
        return length == 0 ? 0.0 : Math.min(1.0, (double) now.position() / length);
    }

    private void save() {
        if (stateFile == null) {
            return;
        }
        try {
            state.write(stateFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state file " + stateFile + ": " + e.getMessage(), e);
        }
    }
}
