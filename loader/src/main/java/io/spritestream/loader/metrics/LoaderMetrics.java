package io.spritestream.loader.metrics;

import static io.spritestream.loader.metrics.LoaderMetricNames.*;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.ingest.ClientObserver;
import io.spritestream.loader.pipeline.LoaderListener;
import io.spritestream.loader.pipeline.RunObservers;
import io.spritestream.loader.pipeline.LoaderStats;
import io.spritestream.loader.pipeline.SpriteLoader;
import io.spritestream.metrics.KafkaClientBinding;
import io.spritestream.metrics.MetricsServer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * The loader's meters ({@code spritestream_*}, names in {@link LoaderMetricNames}):
 * counters and gauges that read the pipeline's own views ({@link LoaderStats}, the slab pool, queue
 * depths, epoch progress), timers with histograms fed by the pipeline's {@link LoaderListener}
 * events, and Micrometer's Kafka client meters of the loader's consumer ({@code kafka_consumer_*}).
 *
 * <pre>{@code
 * SpriteLoader.open(settings, kafka, manager, new LoaderMetrics(registry));
 * }</pre>
 *
 * <p>One instance per registry, for loaders opened one after another (as {@code demo} does):
 * counters and timers add up over them, gauges show the latest loader, and keep showing its final,
 * idle state after it closes. Thread-safe.
 */
public final class LoaderMetrics implements LoaderListener {

    private final MeterRegistry registry;
    private final Timer decode;
    private final Timer assembly;
    private final Timer deviceCopy;
    private final Timer trainerWait;
    private final Timer endToEnd;
    private volatile Run run = new Run(null, Totals.ZERO);
    private final ConsumerMeters clients = new ConsumerMeters();

    public LoaderMetrics(MeterRegistry registry) {
        this.registry = registry;
        decode = histogram(DECODE, "One record through a decoder, decoded or refused",
                Duration.ofNanos(1_000), Duration.ofSeconds(1));
        assembly = histogram(BATCH_ASSEMBLY, "Assembling one batch: gap filling and its zero-copy views",
                Duration.ofNanos(1_000), Duration.ofSeconds(10));
        deviceCopy = histogram(DEVICE_COPY, "Copying one batch to the training device",
                Duration.ofNanos(1_000), Duration.ofSeconds(10));
        trainerWait = histogram(TRAINER_WAIT, "The training loop waiting for its next batch",
                Duration.ofNanos(1_000), Duration.ofSeconds(60));
        endToEnd = histogram(END_TO_END_LATENCY, "Oldest record timestamp of a batch to its delivery",
                Duration.ofMillis(1), Duration.ofDays(7));

        counter(RECORDS_READ, "Records taken from Kafka", Totals::records);
        counter(BYTES_READ, "Value bytes of the records taken from Kafka", Totals::bytes);
        counter(SAMPLES_DELIVERED, "Samples handed to the trainer", Totals::samples);
        counter(BATCHES_DELIVERED, "Batches handed to the trainer", Totals::batches);
        counter(CACHE_HITS, "Samples copied from the decoded-sample cache", Totals::cacheHits);
        counter(CACHE_MISSES, "Samples decoded while the run had a decoded-sample cache", Totals::cacheMisses);
        for (RejectReason reason : RejectReason.values()) {
            FunctionCounter.builder(DEAD_LETTERED, this, m -> m.total(t -> t.rejected()[reason.ordinal()]))
                    .description("Records that could not become samples, sent to the dead-letter topic")
                    .tag(TAG_REASON, reason.code()).register(registry);
        }
        FunctionTimer.builder(POOL_WAIT, this, m -> (long) m.total(Totals::acquisitions),
                        m -> m.total(Totals::poolWaitNanos), TimeUnit.NANOSECONDS)
                .description("Waiting for a free slab (count: slabs acquired)").register(registry);

        gauge(POOL_SLABS, "Slabs of the pool", l -> l.pool().inUseCount(), TAG_STATE, STATE_IN_USE);
        gauge(POOL_SLABS, "Slabs of the pool", l -> l.pool().freeCount(), TAG_STATE, STATE_FREE);
        Gauge.builder(POOL_BYTES, this, m -> m.current(l -> l.pool().bytes()))
                .description("Direct memory held by the slab pool").baseUnit("bytes").register(registry);
        gauge(QUEUE_DEPTH, "Items waiting between pipeline stages", SpriteLoader::decodeQueueDepth,
                TAG_STAGE, STAGE_DECODE);
        gauge(QUEUE_DEPTH, "Items waiting between pipeline stages", SpriteLoader::assemblyQueueDepth,
                TAG_STAGE, STAGE_ASSEMBLE);
        Gauge.builder(CACHE_BYTES, this, m -> m.current(l -> l.cache() == null ? Double.NaN : l.cache().folderBytes()))
                .description("Bytes of shard files in the decoded-sample cache's folder").baseUnit("bytes")
                .register(registry);
        Gauge.builder(EPOCH, this, m -> m.current(SpriteLoader::epoch))
                .description("The epoch being delivered, from 0").register(registry);
        Gauge.builder(EPOCH_PROGRESS, this, m -> m.current(SpriteLoader::epochProgress))
                .description("Share of the current epoch's records done, 0..1").register(registry);
    }

    /**
     * The observers of a run: these meters on {@code server}'s registry (the run's events and its
     * Kafka client's metrics), or none without a server; notices on standard error.
     */
    public static RunObservers observers(MetricsServer server) {
        if (server == null) {
            return RunObservers.NONE;
        }
        return new LoaderMetrics(server.registry()).observers();
    }

    /** This binder in both its roles: the run's events, and its Kafka consumer's client metrics. */
    public RunObservers observers() {
        return RunObservers.NONE.withEvents(this).withClients(clients);
    }

    private Timer histogram(String name, String description, Duration min, Duration max) {
        return Timer.builder(name).description(description).publishPercentileHistogram()
                .minimumExpectedValue(min).maximumExpectedValue(max).register(registry);
    }

    private void counter(String name, String description, ToLongFunction<Totals> value) {
        FunctionCounter.builder(name, this, m -> m.total(value)).description(description).register(registry);
    }

    private void gauge(String name, String description, ToDoubleFunction<SpriteLoader> value, String tag, String tagValue) {
        Gauge.builder(name, this, m -> m.current(value)).description(description).tag(tag, tagValue).register(registry);
    }

    /** A total over every loader seen: those closed before, plus the current one so far. */
    private double total(ToLongFunction<Totals> value) {
        Run r = run;
        long sum = value.applyAsLong(r.base());
        if (r.loader() != null) {
            sum += value.applyAsLong(Totals.of(r.loader()));
        }
        return sum;
    }

    private double current(ToDoubleFunction<SpriteLoader> value) {
        SpriteLoader loader = run.loader();
        return loader == null ? Double.NaN : value.applyAsDouble(loader);
    }

    @Override
    public synchronized void opened(SpriteLoader loader) {
        Run previous = run;
        Totals base = previous.loader() == null ? previous.base() : previous.base().plus(Totals.of(previous.loader()));
        run = new Run(loader, base);
    }

    /** Binds the meters of the run's Kafka consumer while it is open ({@code kafka_consumer_*}). */
    /** Binds the run's Kafka consumer's client metrics while it is open. */
    public ClientObserver clients() {
        return clients;
    }

    @Override
    public void decoded(long nanos) {
        decode.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void delivered(int samples, long assemblyNanos, long oldestRecordMillis) {
        assembly.record(assemblyNanos, TimeUnit.NANOSECONDS);
        if (oldestRecordMillis >= 0) {
            endToEnd.record(Math.max(0, System.currentTimeMillis() - oldestRecordMillis), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void trainerWaited(long nanos) {
        trainerWait.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void copiedToDevice(long nanos) {
        deviceCopy.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Kafka client meters of one consumer at a time: the current loader's. */
    private final class ConsumerMeters implements ClientObserver {
        private KafkaClientBinding binding;
        private Consumer<?, ?> bound;

        @Override
        public synchronized void consumerOpened(Consumer<?, ?> consumer) {
            unbind();
            binding = KafkaClientBinding.of(consumer, registry);
            bound = consumer;
        }

        @Override
        public synchronized void consumerClosed(Consumer<?, ?> consumer) {
            if (bound == consumer) {
                unbind();
            }
        }

        private void unbind() {
            if (binding != null) {
                binding.close();
                binding = null;
                bound = null;
            }
        }
    }

    /** The loader being observed, and what the loaders before it added up to. */
    private record Run(SpriteLoader loader, Totals base) {}

    /** A loader's cumulative counts at one moment. */
    private record Totals(long records, long bytes, long samples, long batches, long[] rejected, long acquisitions,
                          long poolWaitNanos, long cacheHits, long cacheMisses) {

        static final Totals ZERO = new Totals(0, 0, 0, 0, new long[RejectReason.values().length], 0, 0, 0, 0);

        static Totals of(SpriteLoader loader) {
            LoaderStats stats = loader.stats();
            long[] rejected = new long[RejectReason.values().length];
            for (RejectReason r : RejectReason.values()) {
                rejected[r.ordinal()] = stats.rejected(r);
            }
            return new Totals(loader.recordsFetched(), loader.bytesFetched(), stats.samplesDelivered(),
                    stats.batchesDelivered(), rejected, loader.pool().acquisitions(), loader.pool().waitNanos(),
                    stats.cacheHits(), stats.cacheMisses());
        }

        Totals plus(Totals o) {
            long[] sum = rejected.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += o.rejected[i];
            }
            return new Totals(records + o.records, bytes + o.bytes, samples + o.samples, batches + o.batches, sum,
                    acquisitions + o.acquisitions, poolWaitNanos + o.poolWaitNanos, cacheHits + o.cacheHits,
                    cacheMisses + o.cacheMisses);
        }
    }
}
