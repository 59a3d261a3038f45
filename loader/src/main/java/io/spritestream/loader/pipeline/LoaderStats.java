package io.spritestream.loader.pipeline;

import io.spritestream.loader.decode.RejectReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one loader run, updated by the pipeline's threads and read by anyone (reports,
 * metrics binders). Read-only to everyone but the pipeline.
 */
public final class LoaderStats {

    final AtomicLong samplesDelivered = new AtomicLong();
    final AtomicLong batchesDelivered = new AtomicLong();
    final AtomicLong dropped = new AtomicLong();
    final AtomicLong epochsCompleted = new AtomicLong();
    /** Whether batches were delivered after the last epoch's end (the run is part way into an epoch). */
    volatile boolean partway;
    final AtomicLong repeated = new AtomicLong();
    final AtomicLong trainerWaitNanos = new AtomicLong();
    final LongAdder cacheHits = new LongAdder();
    final LongAdder cacheMisses = new LongAdder();
    final LongAdder cacheCorrupt = new LongAdder();
    final Map<RejectReason, AtomicLong> rejected = new EnumMap<>(RejectReason.class);
    /** Per epoch that had any: records rejected, by reason (guarded by itself; written on the reject path only). */
    private final Map<Integer, long[]> rejectedByEpoch = new java.util.HashMap<>();

    LoaderStats() {
        for (RejectReason r : RejectReason.values()) {
            rejected.put(r, new AtomicLong());
        }
    }

    public long samplesDelivered() {
        return samplesDelivered.get();
    }

    public long batchesDelivered() {
        return batchesDelivered.get();
    }

    /** Samples left out of partial last batches by {@code --drop-last}. */
    public long dropped() {
        return dropped.get();
    }

    /** Whether the batches delivered last are of an epoch not completed (yet). */
    public boolean partway() {
        return partway;
    }

    public long epochsCompleted() {
        return epochsCompleted.get();
    }

    public long rejected(RejectReason reason) {
        return rejected.get(reason).get();
    }

    /** The first {@link #NAMED_DEAD_LETTERS} distinct records rejected, by {@code partition/offset}, in order. */
    private final Map<String, io.spritestream.loader.export.DeadLetterEntry> named = new java.util.LinkedHashMap<>();
    /** Records a report names at most; the rest are counted. */
    static final int NAMED_DEAD_LETTERS = 1000;

    /** Names a rejected record (once, however many epochs reject it). The assembler thread. */
    void name(io.spritestream.loader.export.DeadLetterEntry entry) {
        synchronized (named) {
            String at = entry.partition() + "/" + entry.offset();
            if (named.containsKey(at)) {
                return;
            }
            if (named.size() < NAMED_DEAD_LETTERS) {
                named.put(at, entry);
            }
        }
    }

    /** The records named so far (at most {@link #NAMED_DEAD_LETTERS}), in the order they were rejected. Any thread. */
    public java.util.List<io.spritestream.loader.export.DeadLetterEntry> namedDeadLetters() {
        synchronized (named) {
            return java.util.List.copyOf(named.values());
        }
    }

    /** Counts one record of {@code epoch} rejected for {@code reason} (the assembler thread). */
    void rejectedIn(int epoch, RejectReason reason) {
        rejected.get(reason).incrementAndGet();
        synchronized (rejectedByEpoch) {
            rejectedByEpoch.computeIfAbsent(epoch, e -> new long[RejectReason.values().length])[reason.ordinal()]++;
        }
    }

    /**
     * The records of {@code epoch} rejected so far, by reason code ({@code unlabelled}: 2), only
     * reasons that occurred. Complete once the epoch's end has been delivered: a record is rejected
     * before any batch after it is handed out. Any thread.
     */
    public Map<String, Long> rejectedIn(int epoch) {
        Map<String, Long> byReason = new java.util.TreeMap<>();
        synchronized (rejectedByEpoch) {
            long[] counts = rejectedByEpoch.get(epoch);
            if (counts != null) {
                for (RejectReason r : RejectReason.values()) {
                    if (counts[r.ordinal()] > 0) {
                        byReason.put(r.code(), counts[r.ordinal()]);
                    }
                }
            }
        }
        return byReason;
    }

    public long rejectedTotal() {
        return rejected.values().stream().mapToLong(AtomicLong::get).sum();
    }

    /**
     * Rows that repeat another sample in place of a rejected record (sharded runs keep every rank's
     * batches aligned this way).
     */
    public long repeated() {
        return repeated.get();
    }

    /** Records that went through the loader: delivered (not counting repeats) + dead-lettered + dropped. */
    public long recordsAccounted() {
        return samplesDelivered() - repeated() + rejectedTotal() + dropped();
    }

    /** Samples copied from the decoded-sample cache (no fetch, no decode), their checksum checked. */
    public long cacheHits() {
        return cacheHits.sum();
    }

    /** Samples decoded from Kafka while the run had a cache (and written to it when it took them). */
    public long cacheMisses() {
        return cacheMisses.sum();
    }

    /** Cached samples whose checksum failed: never delivered, decoded from Kafka instead. */
    public long cacheCorrupt() {
        return cacheCorrupt.sum();
    }

    /** Time the trainer spent in {@link SpriteLoader#next()} for the batches delivered so far. */
    public long trainerWaitNanos() {
        return trainerWaitNanos.get();
    }
}
