package io.spritestream.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress bars on stderr, so stdout stays for results. */
public final class ConsoleProgress {

    private ConsoleProgress() {}

    /** A progress bar named {@code task} over {@code max} units of {@code unit} (e.g. "sprites"). */
    public static ProgressBar bar(String task, long max, String unit) {
        return new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250)
                .showSpeed()
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
    }
}
