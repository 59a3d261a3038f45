package io.spritestream.loader.cache;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The thread ({@code spritestream-cache-writer}) that writes a cache's shards: each full chunk of
 * staged samples, and each complete shard's publication, in the order they were handed over (so a
 * shard's chunks are written before it is published); started with the first, stopped when the cache
 * closes, after writing what was handed over by then. Decoders hand work over and go on at once. The
 * queue holds at most the chunks of staging memory the process has (StagingMemory's budget) and one
 * publication a block.
 */
final class ShardPublisher {

    /** How long closing waits for the shards still to publish (each is one large write). */
    private static final long DRAIN_SECONDS = 60;

    private final DecodedCache cache;
    /** Writes to run, in order; {@link #STOP} ends the thread. */
    private final LinkedBlockingQueue<Runnable> complete = new LinkedBlockingQueue<>();
    private Thread thread;
    private boolean stopping;

    ShardPublisher(DecodedCache cache) {
        this.cache = cache;
    }

    /** Queues {@code w} for publication (any thread); after {@link #drainAndStop}, publishes it at once. */
    void publish(ShardWriter w) {
        run(() -> publishNow(w));
    }

    /** Queues {@code write} (any thread), after what is queued; after {@link #drainAndStop}, runs it at once. */
    void run(Runnable write) {
        synchronized (this) {
            if (!stopping) {
                if (thread == null) {
                    thread = new Thread(this::run, "spritestream-cache-writer");
                    thread.setDaemon(true);
                    thread.start();
                }
                complete.add(write);
                return;
            }
        }
        write.run();
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
