package io.spritestream.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress bars on stderr, so stdout stays for results. On a terminal the bar redraws in place
 * four times a second; when output goes to a file or a log (no console), it is printed as a whole
 * line every {@link #LOG_INTERVAL_MS} instead, so a long run does not flood the log.
 */
public final class ConsoleProgress {

    /** How often a progress line is printed when there is no console. */
    public static final int LOG_INTERVAL_MS = 10_000;

    private ConsoleProgress() {}

    /** A progress bar named {@code task} over {@code max} units of {@code unit} (e.g. "sprites"). */
    public static ProgressBar bar(String task, long max, String unit) {
        ProgressBarBuilder builder = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII)
                .showSpeed();
        if (interactive()) {
            builder.setUpdateIntervalMillis(250).setConsumer(new ConsoleProgressBarConsumer(System.err));
        } else {
            builder.setUpdateIntervalMillis(LOG_INTERVAL_MS)
                    .setConsumer(new DelegatingProgressBarConsumer(new Lines(), 200));
        }
        return builder.build();
    }

    /**
     * Whether a person is watching the bar: standard error is a terminal (on Linux, what file
     * descriptor 2 points to), and so are standard input and output.
     */
    public static boolean interactive() {
        if (System.console() == null) {
            return false;
        }
        try {
            String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return true; // no /proc: the console is the best there is to go by
        }
    }

    /** Whole lines to standard error, a line equal to the one before left out (the final state is drawn twice). */
    private static final class Lines implements java.util.function.Consumer<String> {
        private String last;

        @Override
        public synchronized void accept(String line) {
            if (!line.equals(last)) {
                System.err.println(line);
                last = line;
            }
        }
    }
}
