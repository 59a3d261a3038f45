package io.spritestream.loader.cache;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The thread ({@code spritestream-cache-writer}) that publishes a cache's complete shards, one after
 * another in the order they completed: started with the first, stopped when the cache closes, after
 * publishing what is complete by then. Decoders hand a shard over and go on at once. The queue holds
 * at most the blocks a run has in flight (its read-ahead), each with its staging memory.
 */
final class ShardPublisher {

    /** How long closing waits for the shards still to publish (each is one large write). */
    private static final long DRAIN_SECONDS = 60;

    private final DecodedCache cache;
    /** Publications to run, in order; {@link #STOP} ends the thread. */
    private final LinkedBlockingQueue<Runnable> complete = new LinkedBlockingQueue<>();
    private Thread thread;
    private boolean stopping;

    ShardPublisher(DecodedCache cache) {
        this.cache = cache;
    }

    /** Queues {@code w} for publication (any thread); after {@link #drainAndStop}, publishes it at once. */
    void publish(ShardWriter w) {
        synchronized (this) {
            if (!stopping) {
                if (thread == null) {
                    thread = new Thread(this::run, "spritestream-cache-writer");
                    thread.setDaemon(true);
                    thread.start();
                }
                complete.add(() -> publishNow(w));
                return;
            }
        }
        publishNow(w);
    }

    private void publishNow(ShardWriter w) {
        try {
            cache.finished(w, w.publish());
        } finally {
            w.settle();
        }
    }

    private void run() {
        try {
            while (true) {
                Runnable next = complete.take();
                if (next == STOP) {
                    return;
                }
                next.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Publishes what is queued, then ends the thread (waits up to a minute for it). */
    void drainAndStop() {
        Thread t;
        synchronized (this) {
            stopping = true;
            t = thread;
            if (t != null) {
                complete.add(STOP);
            }
        }
        if (t == null) {
            return;
        }
        try {
            t.join(TimeUnit.SECONDS.toMillis(DRAIN_SECONDS));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Marks the end of the queue. */
    private static final Runnable STOP = () -> { };
}
