package io.spritestream.producer;

import io.spritestream.kafka.KafkaSettings;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Watches the acknowledgements while records are in flight: after 5 s without one it says the
 * run is waiting (and again every 5 s), and after the client timeout ({@code --broker-timeout})
 * it gives up: the Kafka client is closed at once, which ends a send blocked on metadata or on a
 * full buffer, and the run fails with how far it got.
 */
final class SilenceWatch {
    private static final long SAY_WAITING_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final KafkaSettings kafka;
    private final java.util.function.Consumer<String> notices;
    private final KafkaProducer<String, byte[]> producer;
    private final AtomicLong acked;
    private final AtomicLong failed;
    private final AtomicLong sent;
    private final java.util.concurrent.ScheduledExecutorService clock;
    private volatile long lastHeard = System.nanoTime();
    private volatile boolean gaveUp;
    private long lastSaid;

    /** Watches {@code producer} (its counts of records sent, acknowledged and failed) until {@link #stop}. */
    SilenceWatch(KafkaSettings kafka, java.util.function.Consumer<String> notices, KafkaProducer<String, byte[]> producer,
                 AtomicLong acked, AtomicLong failed, AtomicLong sent) {
        this.kafka = kafka;
        this.notices = notices;
        this.producer = producer;
        this.acked = acked;
        this.failed = failed;
        this.sent = sent;
        this.clock = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "spritestream-produce-watch");
            t.setDaemon(true);
            return t;
        });
        clock.scheduleWithFixedDelay(this::check, 1, 1, TimeUnit.SECONDS);
    }

    void heard() {
        lastHeard = System.nanoTime();
    }

    boolean gaveUp() {
        return gaveUp;
    }

    private void check() {
        long now = System.nanoTime();
        long inFlight = sent.get() - acked.get() - failed.get();
        if (inFlight <= 0) {
            lastHeard = now; // nothing to wait for: silence is fine
            return;
        }
        long silent = now - lastHeard;
        if (silent >= kafka.timeout().toNanos()) {
            gaveUp = true;
            producer.close(java.time.Duration.ZERO); // wakes a send blocked on metadata or buffer space
            clock.shutdown();
        } else if (silent >= SAY_WAITING_NANOS && now - lastSaid >= SAY_WAITING_NANOS) {
            lastSaid = now;
            notices.accept(String.format(java.util.Locale.ROOT, "produce: waiting for Kafka at %s: no "
                    + "acknowledgement for %d s (%d of %d records acknowledged; giving up after %d s)",
                    kafka.bootstrap(), TimeUnit.NANOSECONDS.toSeconds(silent), acked.get(), sent.get(),
                    kafka.timeout().toSeconds()));
        }
    }

    void stop() {
        clock.shutdownNow();
    }
}
