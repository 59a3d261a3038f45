package io.spritestream.loader.cli;

import io.spritestream.loader.pipeline.SpriteLoader;
import java.util.Locale;

/**
 * The live part of a loading run's progress line, next to the bar's samples/s and ETA: epoch
 * progress (or "live" for a live tail), the share of time the trainer waited for batches since the
 * last update, and dead letters so far, e.g. {@code  | epoch 1/2 57% | trainer wait 93% | dead letters 0}.
 *
 * <p>Read from the pipeline's own counters (no metrics needed). The trainer's thread only.
 */
final class LiveStatus {

    private static final long REFRESH_NANOS = 250_000_000L;

    private final SpriteLoader loader;
    private final int epochs;
    private long lastNanos;
    private long lastWaitNanos;
    private String text = "";

    LiveStatus(SpriteLoader loader, int epochs) {
        this.loader = loader;
        this.epochs = epochs;
        this.lastNanos = System.nanoTime();
    }

    /** The line, recomputed at most four times a second; the trainer wait is since the last one. */
    String text() {
        long now = System.nanoTime();
        if (now - lastNanos >= REFRESH_NANOS || text.isEmpty()) {
            long wait = loader.stats().trainerWaitNanos();
            text = format(now > lastNanos ? (double) (wait - lastWaitNanos) / (now - lastNanos) : 0);
            lastNanos = now;
            lastWaitNanos = wait;
        }
        return text;
    }

    /** The line for the end of the run: the trainer wait over the whole run. */
    String last() {
        double seconds = loader.seconds();
        return format(seconds > 0 ? loader.stats().trainerWaitNanos() / 1e9 / seconds : 0);
    }

    private String format(double waitShare) {
        double progress = loader.epochProgress();
        String epoch = Double.isNaN(progress) ? " | live"
                : String.format(Locale.ROOT, " | epoch %d/%d %.0f%%", loader.epoch() + 1, epochs, 100 * progress);
        return epoch + String.format(Locale.ROOT, " | trainer wait %.0f%% | dead letters %d",
                100 * Math.min(1.0, waitShare), loader.stats().rejectedTotal());
    }
}
