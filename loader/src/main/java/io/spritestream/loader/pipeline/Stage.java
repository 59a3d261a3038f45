package io.spritestream.loader.pipeline;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * One pipeline thread, all of one shape: a role name ({@code spritestream-reader}, ...), a body,
 * an error path, and a stop that says whether the thread really stopped. An interruption ends the
 * body quietly (that is how a stage is stopped); anything the body throws goes to the error path.
 *
 * <p>{@link #join} reports a thread that did not stop in time rather than pretending it did: the
 * owner must not free memory such a thread may still touch.
 */
public final class Stage {

    /** What a stage does; it returns when done, or throws {@link InterruptedException} when stopped. */
    @FunctionalInterface
    public interface Body {
        void run() throws InterruptedException;
    }

    private final Thread thread;

    /**
     * @param role      the thread's name
     * @param onFailure told of anything the body throws but an interruption (on the stage's thread)
     */
    public Stage(String role, Body body, Consumer<Throwable> onFailure) {
        Objects.requireNonNull(body);
        Objects.requireNonNull(onFailure);
        this.thread = new Thread(() -> {
            try {
                body.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                onFailure.accept(t);
            }
        }, role);
        this.thread.setDaemon(true);
    }

    public String role() {
        return thread.getName();
    }

    public void start() {
        thread.start();
    }

    /** Asks the stage to stop (its body sees an interruption). */
    public void interrupt() {
        thread.interrupt();
    }

    /**
     * Waits up to {@code timeout} for the thread to end.
     *
     * @return whether it ended (or never started); false if it is still running
     */
    public boolean join(Duration timeout) {
        try {
            thread.join(Math.max(1, timeout.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }

    /**
     * Where the stage's thread is now, its innermost frames first ({@code Class.method:line < ...}):
     * what a stage that does not stop is waiting in.
     */
    public String whereNow() {
        StackTraceElement[] frames = thread.getStackTrace();
        java.util.StringJoiner at = new java.util.StringJoiner(" < ");
        for (int i = 0; i < Math.min(8, frames.length); i++) {
            String cls = frames[i].getClassName();
            at.add(cls.substring(cls.lastIndexOf('.') + 1) + "." + frames[i].getMethodName() + ":"
                    + frames[i].getLineNumber());
        }
        return at.toString();
    }

    /**
     * Keeps a stage's thread, idle, until it is stopped: a stage that is done but whose per-thread
     * figures (CPU, allocation) should outlive its work until the pipeline closes.
     */
    public static void idleUntilStopped() throws InterruptedException {
        Thread.sleep(Long.MAX_VALUE);
    }
}
