package io.spritestream.loader.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * SIGINT and SIGTERM as a polite request: while open, a signal runs {@code onSignal} (it asks the
 * command's loop to stop at its next step) and holds the JVM's exit until the command has finished
 * what it writes on the way out (a checkpoint, a report, its last line) and closed this, or for at
 * most {@link #GRACE_SECONDS}. The JVM then exits with the signal's status (130 or 143).
 */
final class SignalStop implements AutoCloseable {

    static final long GRACE_SECONDS = 120;

    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;
    private volatile boolean requested;

    SignalStop(String command, Runnable onSignal) {
        this.hook = new Thread(() -> {
            requested = true;
            onSignal.run();
            try {
                finished.await(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "spritestream-" + command + "-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Whether a signal asked the command to stop. Any thread. */
    boolean requested() {
        return requested;
    }

    /** The command is done: a signal now ends the JVM at once (and one being handled lets it exit). */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it returns now
        }
    }
}
