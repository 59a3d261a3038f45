package io.spritestream.loader.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.loader.replay.LoaderState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One feed: a loading run whose slab pool is a {@link Ring} another process views, told what to
 * view over a pair of pipes. The loader writes one line per event and flushes it; the viewing side
 * answers one line per slot it is done with. Lines are UTF-8, fields split by one space:
 *
 * <pre>
 * loader to viewer                          viewer to loader
 *   R slots stride path   the ring, first     T index  the training loop took batch index (with
 *   C ["class", ...]      the class names,               --save-state, the state file follows these)
 *                         before the first     F slot   done with the batch in slot: the loader
 *                         batch that has them            may write into it again
 *   B slot rows epoch index    a batch is in slot      (end of input)  stop: the loader ends the run
 *   N epoch               every batch of epoch was announced
 *   E {report}            the run is over (its report, one JSON line); end of output follows
 * </pre>
 *
 * <p>{@code N} comes as soon as the loader knows the epoch is complete: right after the {@code B}
 * of its last batch, or, when the epoch ends without a batch of its own (its last one was full,
 * {@code --drop-last} dropped the rest, or this rank's share was empty), before the next epoch's
 * first batch is ready. A viewer that gives one epoch at a time ends it there without waiting for
 * the next; a run cut short by {@code --max-batches} has no {@code N} for the epoch it stopped in.
 *
 * <p>With {@code --save-state}, the state file is written as the loop takes batches ({@code T}),
 * not as they enter the ring, which runs up to a ring's worth of batches ahead: a resume after a
 * crash on either side starts right after the last batch the loop took, as with {@code load}. The
 * run's final state is written, and {@code E} sent, once the loop has taken the last batch.
 *
 * <p>A failure ends output without {@code E}; the process then exits non-zero with the reason on
 * its error stream ({@code error: ...}, one line). A slot named by {@code B} is not written until
 * its {@code F} arrives, so the viewer's memory never changes under it; holding many slots only
 * slows the loader down (it waits for free slots). The pipes are the synchronisation: the loader
 * writes a batch's bytes before its {@code B} line and reuses a slot only after reading its
 * {@code F}, and both sides sleep in a blocking read when there is nothing to do.
 */
public final class FeedRun {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LoaderSettings settings;
    private final KafkaSettings kafka;
    private final Path ringDir;
    private RunObservers observers = RunObservers.NONE;

    /** Batches the viewer holds, by slot; the map's monitor guards it. */
    private final Map<Integer, SpriteBatch> held = new HashMap<>();
    /** With --save-state: where, and the state after each batch announced and not yet taken, by index. */
    private final Path stateFile;
    private final java.util.NavigableMap<Long, LoaderState> untaken = new java.util.TreeMap<>();
    private long lastTaken = -1;
    /** The index of the last batch announced ({@code B}); guarded by {@code held}. */
    private long lastAnnounced = -1;
    /** The thread running the feed while it runs (null before and after); guarded by {@code held}. */
    private Thread runner;
    private volatile boolean viewerGone;
    private volatile String protocolError;
    /** While the run delivers (its thread only): its lines, loader, batches announced and epoch ends to send. */
    private Lines lines;
    private SpriteLoader loader;
    private long announced;
    private final List<Integer> endsToSend = new ArrayList<>();

    public FeedRun(LoaderSettings settings, KafkaSettings kafka, Path ringDir) {
        // The feed saves the state itself, as the viewer's loop takes batches; the loader does not.
        this.stateFile = settings.saveStatePath() == null ? null
                : LoaderState.forRank(settings.saveStatePath(), settings.rank());
        this.settings = stateFile == null ? settings : settings.toConfig().saveState(null).conclude();
        this.kafka = kafka;
        this.ringDir = ringDir;
    }

    /** Who is told about the run (metrics, notices); its epoch ends are the feed's own. */
    public FeedRun observers(RunObservers value) {
        this.observers = value;
        return this;
    }

    /**
     * Runs the feed: creates the ring, loads into it, tells {@code out} and listens to {@code in}
     * until the run ends or {@code in} ends (the viewer stopped or went away). The ring's file is
     * gone when this returns, however it returns.
     *
     * @return the run's report (also sent as {@code E}), or null if the viewer stopped the run first
     * @throws io.spritestream.config.SettingsFailure if the ring does not fit in {@code ringDir}
     */
    public RunReport run(InputStream in, OutputStream out) throws IOException, InterruptedException {
        SlabLayout layout = new SlabLayout(settings.batchSize(), settings.pixels().height(), settings.pixels().width(),
                settings.pixels().channels());
        synchronized (held) {
            runner = Thread.currentThread();
        }
        try (Ring ring = Ring.create(ringDir, layout, settings.effectiveSlabs())) {
            Thread cleanup = new Thread(ring::close, "feed-ring-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            try (SpriteLoader loader = SpriteLoader.open(settings, kafka, null,
                    observers.withEpochEnds(this::epochCompleted), shape -> ring.memory())) {
                Lines lines = new Lines(out);
                this.lines = lines;
                this.loader = loader;
                lines.send("R " + ring.slots() + " " + ring.stride() + " " + ring.file().toAbsolutePath());
                Thread replies = startReplies(in);
                try {
                    RunReport report = deliver(loader, ring, lines);
                    if (report != null) {
                        lines.send("E " + JSON.writeValueAsString(report));
                    }
                    return report;
                } catch (InterruptedException | RuntimeException e) {
                    if (protocolError != null) {
                        throw new IOException(protocolError, e);
                    }
                    if (viewerGone) {
                        return null; // the viewer stopped: nothing to say, nobody to say it to
                    }
                    throw e;
                } finally {
                    synchronized (held) {
                        runner = null; // from now on the viewer's end interrupts nothing
                    }
                    Thread.interrupted(); // nor may an interrupt it sent before disturb the loader's close
                    replies.interrupt();
                    // The viewer may still read what it holds (a stopped run's batches stay valid there):
                    // its slots go back only to a pool the stopped pipeline no longer fills.
                    if (loader.stopPipeline()) {
                        releaseAll();
                    }
                }
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs (or ran) anyway
                }
            }
        }
    }

    /** Every batch into the ring and announced; the report at the end, null if the viewer stopped first. */
    private RunReport deliver(SpriteLoader loader, Ring ring, Lines lines) throws InterruptedException, IOException {
        List<String> classesSent = null;
        for (SpriteBatch batch = loader.next(); batch != null; batch = loader.next()) {
            if (viewerGone) {
                batch.close();
                if (protocolError != null) {
                    throw new IOException(protocolError); // the viewer went by answering nonsense
                }
                return null;
            }
            if (!batch.classes().equals(classesSent)) {
                classesSent = batch.classes();
                lines.send("C " + JSON.writeValueAsString(classesSent));
            }
            int cut = ring.describe(batch);
            if (cut > 0) {
                observers.notices().accept("feed: " + cut + " key(s) of batch " + batch.index() + " were cut short (over "
                        + Ring.KEY_BYTES_PER_ROW + " bytes per row on average)");
            }
            int slot = batch.slab();
            synchronized (held) {
                held.put(slot, batch);
                lastAnnounced = batch.index();
                if (stateFile != null) {
                    untaken.put(batch.index(), loader.state());
                }
            }
            lines.send("B " + slot + " " + batch.size() + " " + batch.epoch() + " " + batch.index());
            announced++;
            for (int epoch : endsToSend) {
                lines.send("N " + epoch); // the epoch this batch ended
            }
            endsToSend.clear();
        }
        if (protocolError != null) {
            throw new IOException(protocolError);
        }
        if (stateFile != null && awaitAllTaken()) {
            writeState(loader.state());
        }
        return viewerGone ? null : loader.report();
    }

    /**
     * The loader completed {@code epoch} (in {@link SpriteLoader#next()}, on the runner's thread):
     * {@code N} now if every batch it handed out is announced, else after the {@code B} of the batch
     * it is about to return, which ends the epoch.
     */
    private void epochCompleted(int epoch) {
        if (loader.stats().batchesDelivered() != announced) {
            endsToSend.add(epoch);
            return;
        }
        try {
            lines.send("N " + epoch);
        } catch (UncheckedIOException viewerGone) {
            // the viewer is gone: the run notices on its way out of next()
        }
    }

    /**
     * Waits until the loop has taken every batch announced (its T lines), or the viewer is gone.
     *
     * @return whether every batch was taken (false: the viewer went first; its last T is the state)
     */
    private boolean awaitAllTaken() throws InterruptedException {
        synchronized (held) {
            while (!untaken.isEmpty() && !viewerGone && protocolError == null) {
                held.wait();
            }
            return untaken.isEmpty() && !viewerGone && protocolError == null;
        }
    }

    private void writeState(LoaderState state) {
        try {
            state.write(stateFile);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the state file " + stateFile + ": " + e.getMessage(), e);
        }
    }

    /** {@code T index}: the loop took batch {@code index}; with a state file, the state after it is written. */
    private boolean taken(String line) {
        long index;
        try {
            index = Long.parseLong(line.substring(2).strip());
        } catch (NumberFormatException e) {
            return false;
        }
        LoaderState state = null;
        synchronized (held) {
            if (index != lastTaken + 1 || index > lastAnnounced) {
                return false; // batches are taken one after another, each once announced: none skipped
            }
            lastTaken = index;
            if (stateFile != null) {
                Map.Entry<Long, LoaderState> upTo = untaken.floorEntry(index);
                if (upTo == null || upTo.getKey() != index) {
                    return false;
                }
                state = upTo.getValue();
                untaken.headMap(index, true).clear();
                held.notifyAll();
            }
        }
        if (state != null) {
            writeState(state);
        }
        return true;
    }

    /** The viewer's answers, read on a thread of their own: {@code F slot} frees a slot, the end stops the run. */
    private Thread startReplies(InputStream in) {
        Thread t = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new java.io.InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (!(line.startsWith("T ") ? taken(line) : release(line))) {
                        protocolError = "feed: the viewer sent '" + line + "' (expected 'F <slot>' with a slot it "
                                + "holds, or 'T <index>' with the next batch announced)";
                        break;
                    }
                }
            } catch (InterruptedIOException e) {
                return; // the run ended
            } catch (IOException | UncheckedIOException e) {
                if (e instanceof UncheckedIOException u) {
                    protocolError = u.getMessage(); // the state file could not be written
                }
                // else the viewer's end broke: the same as its end
            }
            viewerGone = true;
            synchronized (held) {
                held.notifyAll();
                if (runner != null) {
                    runner.interrupt(); // out of waiting for the next batch: the run is over
                }
            }
        }, "feed-replies");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private boolean release(String line) {
        if (!line.startsWith("F ")) {
            return false;
        }
        int slot;
        try {
            slot = Integer.parseInt(line.substring(2).strip());
        } catch (NumberFormatException e) {
            return false;
        }
        SpriteBatch batch;
        synchronized (held) {
            batch = held.remove(slot);
        }
        if (batch == null) {
            return false;
        }
        batch.close();
        return true;
    }

    private void releaseAll() {
        List<SpriteBatch> left;
        synchronized (held) {
            left = new ArrayList<>(held.values());
            held.clear();
        }
        left.forEach(SpriteBatch::close);
    }

    /** Protocol lines out, each flushed at once; a broken pipe is the viewer gone. */
    private final class Lines {
        private final OutputStream out;

        Lines(OutputStream out) {
            this.out = out;
        }

        void send(String line) {
            try {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                viewerGone = true;
                throw new UncheckedIOException(e);
            }
        }
    }
}
