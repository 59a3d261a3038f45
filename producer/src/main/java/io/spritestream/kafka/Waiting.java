package io.spritestream.kafka;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Says that a call is waiting for Kafka when it has not returned after {@link #FIRST} (and again
 * every {@link #EVERY}), so that no wait is silent: {@code waiting for Kafka at H:P: resolving
 * demo@1 (no answer for 3 s; giving up after 30 s)}. Closing it before then says nothing. Watches
 * nest: while a call inside a watched one is watched on the same thread (connecting, inside
 * resolving a dataset), only the inner one speaks, so the line names what is really awaited.
 */
public final class Waiting implements AutoCloseable {

    /** How long a call may take before it is said to wait. */
    public static final Duration FIRST = Duration.ofSeconds(3);
    /** How often it is said again. */
    public static final Duration EVERY = Duration.ofSeconds(10);

    private static final ScheduledExecutorService CLOCK = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "spritestream-kafka-waiting");
        t.setDaemon(true);
        return t;
    });

    private static final ThreadLocal<Waiting> INNERMOST = new ThreadLocal<>();

    private final Waiting outer;
    private volatile boolean muted;
    private ScheduledFuture<?> task;

    private Waiting(Waiting outer) {
        this.outer = outer;
    }

    /** Starts watching: {@code what} is said after {@code first}, then every {@code every}. */
    static Waiting start(Consumer<String> notices, String what, Duration givingUpAfter, Duration first, Duration every) {
        long began = System.nanoTime();
        Waiting watch = new Waiting(INNERMOST.get());
        if (watch.outer != null) {
            watch.outer.muted = true;
        }
        INNERMOST.set(watch);
        Runnable say = () -> {
            if (!watch.muted) {
                notices.accept(what + " (no answer for " + TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began)
                        + " s; giving up after " + givingUpAfter.toSeconds() + " s)");
            }
        };
        watch.task = CLOCK.scheduleWithFixedDelay(say, first.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return watch;
    }

    /** Starts watching with the usual delays. */
    public static Waiting start(Consumer<String> notices, String what, Duration givingUpAfter) {
        return start(notices, what, givingUpAfter, FIRST, EVERY);
    }

    /** The call returned: nothing more is said. */
    @Override
    public void close() {
        task.cancel(false);
        if (INNERMOST.get() == this) {
            INNERMOST.set(outer);
            if (outer != null) {
                outer.muted = false;
            }
        }
    }
}
