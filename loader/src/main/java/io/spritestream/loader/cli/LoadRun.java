package io.spritestream.loader.cli;

import io.spritestream.cli.ConsoleProgress;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.export.NpyExport;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.SpriteLoader;
import java.io.IOException;
import java.nio.file.Path;
import me.tongfei.progressbar.ProgressBar;

/**
 * One loading run as the {@code load} and {@code demo} commands do it: every batch taken, optionally
 * exported, and closed at once; a progress bar over the samples to deliver, with the
 * {@linkplain LiveStatus live status} of the pipeline.
 */
final class LoadRun {

    private final LoaderSettings config;
    private final KafkaSettings kafka;
    private Path exportDir;
    private boolean quiet;
    private RunObservers observers = RunObservers.NONE;
    private java.util.function.BooleanSupplier stop = () -> false;
    private Runnable opened = () -> { };
    private boolean stopped;
    private long exportedRows = -1;
    private final Object waking = new Object();
    private Thread runner;
    private boolean waiting;

    /** Batches are bytes only (no DJL arrays): a run that never views a batch as an NDArray starts no engine. */
    LoadRun(LoaderSettings config, KafkaSettings kafka) {
        this.config = config;
        this.kafka = kafka;
    }

    LoadRun exportTo(Path dir) {
        this.exportDir = dir;
        return this;
    }

    LoadRun quiet(boolean value) {
        this.quiet = value;
        return this;
    }

    /** Who is told about the run (metrics, notices). */
    LoadRun observers(RunObservers value) {
        this.observers = value;
        return this;
    }

    /** Asked after every batch: true stops the run there (its export and report then cover what was delivered). */
    LoadRun stopWhen(java.util.function.BooleanSupplier value) {
        this.stop = value;
        return this;
    }

    /** Run once the loader is open (its source resolved), before the first batch: e.g. to say the run's order. */
    LoadRun whenOpen(Runnable value) {
        this.opened = value;
        return this;
    }

    /** Whether the last run was stopped by {@link #stopWhen}. */
    boolean stopped() {
        return stopped;
    }

    /** Rows of the export when it was written (those of the run it appended to included), -1 without one. */
    long exportedRows() {
        return exportedRows;
    }

    RunReport run() throws IOException, InterruptedException {
        NpyExport export = openExport(); // before connecting: a folder that cannot take it is said at once
        try (SpriteLoader loader = SpriteLoader.open(config, kafka, null, observers)) {
            opened.run();
            long total = loader.plannedRecords();
            if (config.maxBatches() > 0) {
                total = Math.min(total, config.maxBatches() * config.batchSize());
            }
            ProgressBar bar = quiet ? null : ConsoleProgress.bar("load " + loader.source().describe(), total, "sprites");
            LiveStatus status = new LiveStatus(loader, config.epochs());
            synchronized (waking) {
                runner = Thread.currentThread();
            }
            try {
                for (SpriteBatch next = nextOrStop(loader); next != null; next = nextOrStop(loader)) {
                    try (SpriteBatch batch = next) {
                        if (export != null) {
                            export.append(batch);
                        }
                        if (bar != null) {
                            bar.stepBy(batch.size());
                            bar.setExtraMessage(status.text());
                        }
                    }
                    if (stop.getAsBoolean()) {
                        stopped = true;
                        break;
                    }
                }
            } finally {
                if (bar != null) {
                    bar.setExtraMessage(status.last());
                    bar.close();
                }
                if (export != null) {
                    export.classes(loader.classes());
                    export.close();
                    exportedRows = export.rows();
                }
            }
            return loader.report();
        } catch (RuntimeException | IOException | InterruptedException e) {
            if (export != null) {
                export.abandon(); // the loader did not start: nothing exported (an appended-to export stays)
            }
            throw e;
        }
    }

    /**
     * Wakes a run waiting for its next batch (a live tail with nothing new) so that it sees a stop
     * request; a run doing anything else sees it after the batch in hand. Any thread.
     */
    void wake() {
        synchronized (waking) {
            if (waiting && runner != null) {
                runner.interrupt();
            }
        }
    }

    /** The loader's next batch, or null when a stop request woke the wait for it. */
    private SpriteBatch nextOrStop(SpriteLoader loader) throws InterruptedException {
        synchronized (waking) {
            waiting = true;
        }
        try {
            if (stop.getAsBoolean()) {
                stopped = true;
                return null;
            }
            return loader.next();
        } catch (InterruptedException e) {
            if (stop.getAsBoolean()) {
                stopped = true;
                return null;
            }
            throw e;
        } finally {
            synchronized (waking) {
                waiting = false;
                if (Thread.interrupted() && !stop.getAsBoolean()) {
                    Thread.currentThread().interrupt(); // not ours: keep it
                }
            }
        }
    }

    private NpyExport openExport() throws IOException {
        if (exportDir == null) {
            return null;
        }
        int h = config.pixels().height();
        int w = config.pixels().width();
        int c = config.pixels().channels();
        if (config.resumeState() == null) {
            return NpyExport.create(exportDir, h, w, c);
        }
        return NpyExport.resume(exportDir, h, w, c, config.resumeState().samplesDelivered(), observers.notices());
    }
}
