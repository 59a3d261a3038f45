package io.spritestream.loader.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The threads of one pipeline, started and stopped together, with one error path: the first
 * failure of any stage is kept (unless the pipeline is stopping: a stage cut short then has not
 * failed) and {@linkplain #rethrowFailure rethrown} on the consumer's thread.
 *
 * <p>{@link #add} and {@link #startAll} before the pipeline runs; the rest from any thread.
 */
public final class Stages {

    private final List<Stage> stages = new ArrayList<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Runnable onEnd;
    private volatile boolean stopping;

    public Stages() {
        this(() -> { });
    }

    /** @param onEnd run by each stage's thread as its last act (see {@link Stage}) */
    public Stages(Runnable onEnd) {
        this.onEnd = onEnd;
    }

    /** A stage of this pipeline whose failures are this pipeline's. */
    public Stage add(String role, Stage.Body body) {
        Stage stage = new Stage(role, body, this::fail, onEnd);
        stages.add(stage);
        return stage;
    }

    public void startAll() {
        stages.forEach(Stage::start);
    }

    /** Records {@code t} as the pipeline's failure, unless one came first or the pipeline is stopping. */
    public void fail(Throwable t) {
        if (!stopping) {
            failure.compareAndSet(null, t);
        }
    }

    /** From now on the stages are being stopped: what they throw is not a failure. */
    public void stopping() {
        stopping = true;
    }

    public boolean isStopping() {
        return stopping;
    }

    /** Throws the first failure of a stage, if any (see {@link #unchecked}). */
    public void rethrowFailure() {
        Throwable t = failure.get();
        if (t != null) {
            throw unchecked(t);
        }
    }

    /**
     * Stops every stage and waits up to {@code timeout} in all for them to end.
     *
     * @return the roles of the stages still running (empty when all stopped)
     */
    public List<String> stopAll(Duration timeout) {
        stopping = true;
        stages.forEach(Stage::interrupt);
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> running = new ArrayList<>();
        for (Stage s : stages) {
            if (!s.join(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())))) {
                running.add(s.role());
            }
        }
        return running;
    }

    /** {@code role (at where)} for each of {@code roles} still running: for a message about stages that did not stop. */
    public String whereNow(List<String> roles) {
        List<String> out = new ArrayList<>();
        for (Stage s : stages) {
            if (roles.contains(s.role())) {
                out.add(s.role() + " (at " + s.whereNow() + ")");
            }
        }
        return String.join(", ", out);
    }

    /**
     * A stage's failure as an unchecked exception to throw on the consumer's thread: the original
     * if it is unchecked (an {@link Error} is thrown from here), else wrapped with its message.
     */
    public static RuntimeException unchecked(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t.getMessage(), t);
    }
}
