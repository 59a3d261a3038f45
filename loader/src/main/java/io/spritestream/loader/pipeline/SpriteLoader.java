package io.spritestream.loader.pipeline;

import ai.djl.ndarray.NDManager;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.BatchAssembler;
import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.batch.LabelIndex;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.SlotMats;
import io.spritestream.loader.decode.SpriteDecoder;
import io.spritestream.loader.ingest.DeadLetterWriter;
import io.spritestream.loader.ingest.RangeReader;
import io.spritestream.loader.ingest.ReadPlan;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.SourceResolver;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.SlabPool;
import io.spritestream.loader.tensor.SlabViews;
import io.spritestream.record.SpriteRecords;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Streams a dataset version (or a topic) from Kafka as batches of decoded sprites.
 *
 * <pre>{@code
 * try (SpriteLoader loader = SpriteLoader.open(config, kafka, manager)) {
 *     for (SpriteBatch batch; (batch = loader.next()) != null; ) {
 *         try (batch) {
 *             train(batch.images(), batch.labels());
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>Threads: one reader ({@code spritestream-reader}) owns the Kafka consumer, fills slabs with
 * records in plan order and waits for a free slab when the pool is empty (so fetching stops when the
 * trainer is slow); {@code --threads} decoders ({@code spritestream-decoder-N}) decode into the
 * slabs; the thread calling {@link #next()} assembles batches in order and makes the DJL views
 * (torch work stays off the decode threads). The order of samples depends only on the plan, never
 * on thread timing.
 *
 * <p>{@link #next()} and {@link #close()} are for one thread (the trainer's).
 */
public final class SpriteLoader implements AutoCloseable {

    private static final Object EPOCH_END = new Object();
    private static final Object END = new Object();
    private static final long WAIT_SLICE_MS = 100;

    private final LoaderConfig config;
    private final ResolvedSource source;
    private final SlabPool pool;
    private final SlotMats slotMats;
    private final RangeReader reader;
    private final DeadLetterWriter deadLetters;
    private final BatchAssembler assembler;
    private final LabelIndex labels;
    private final LoaderStats stats = new LoaderStats();
    private final LoaderListener listener;
    private final BlockingQueue<BatchSlots> readerToDecoders;
    private final BlockingQueue<Object> readerToAssembler;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread readerThread;
    private final List<Thread> decoderThreads = new ArrayList<>();
    private final long startedNanos = System.nanoTime();
    private volatile boolean stopping;
    private boolean finished;
    private boolean closed;
    private BatchSlots inHand;
    private long endedNanos;
    private long assemblyNanos;
    private volatile long epochStartAccounted;

    private SpriteLoader(LoaderConfig config, KafkaSettings kafka, ResolvedSource source, NDManager manager) {
        this.config = config;
        this.source = source;
        this.listener = config.listener;
        SlabLayout layout = new SlabLayout(config.batchSize, config.pixels.height(), config.pixels.width(),
                config.pixels.channels());
        int slabs = config.effectiveSlabs();
        this.pool = new SlabPool(layout, slabs, config.leakDetection);
        this.slotMats = new SlotMats(layout, slabs);
        this.labels = new LabelIndex(source.classes());
        this.deadLetters = config.deadLetters ? new DeadLetterWriter(kafka, source.topic()) : null;
        this.assembler = new BatchAssembler(manager, labels, this::rejected, config.dropLast);
        this.reader = new RangeReader(kafka, source.topic(), Math.max(config.readAheadRecords, config.blockSize));
        int chunksPerBatch = (config.batchSize + chunkSize(config) - 1) / chunkSize(config);
        this.readerToDecoders = new ArrayBlockingQueue<>(slabs * chunksPerBatch + 1);
        this.readerToAssembler = new ArrayBlockingQueue<>(slabs + 2 * config.epochs + 2);
        SpriteDecoder.useSingleThreadedOpenCv();
        for (int i = 0; i < config.threads; i++) {
            Thread t = new Thread(new DecodeWorker(readerToDecoders, slotMats, config.pixels, config.limits, stats,
                    listener, this::fail), "spritestream-decoder-" + i);
            t.setDaemon(true);
            decoderThreads.add(t);
        }
        this.readerThread = new Thread(this::readAll, "spritestream-reader");
        this.readerThread.setDaemon(true);
    }

    /**
     * Resolves the source, allocates the pool and starts the reader and decoder threads.
     *
     * @param manager a CPU manager; each batch's arrays live in a sub-manager of it
     */
    public static SpriteLoader open(LoaderConfig config, KafkaSettings kafka, NDManager manager) {
        config.build();
        SlabViews.requireCpu(manager);
        SourceResolver resolver = new SourceResolver(kafka);
        ResolvedSource source = config.dataset != null ? resolver.dataset(config.dataset) : resolver.topic(config.topic);
        SpriteLoader loader = new SpriteLoader(config, kafka, source, manager);
        loader.listener.opened(loader);
        loader.decoderThreads.forEach(Thread::start);
        loader.readerThread.start();
        return loader;
    }

    private static int chunkSize(LoaderConfig config) {
        // Enough chunks per batch for every thread to help, but not so small that claims dominate.
        return Math.max(4, Math.min(32, config.batchSize / Math.max(1, 2 * config.threads)));
    }

    public ResolvedSource source() {
        return source;
    }

    public LoaderStats stats() {
        return stats;
    }

    /** The class names so far (a label id is a position here). */
    public List<String> classes() {
        return labels.classes();
    }

    public SlabPool pool() {
        return pool;
    }

    public String deadLetterTopic() {
        return SpriteRecords.deadLetterTopicFor(source.topic());
    }

    /** Records the reader has taken from Kafka so far (some may still be in the pipeline). */
    public long recordsFetched() {
        return reader.recordsRead();
    }

    public long bytesFetched() {
        return reader.bytesRead();
    }

    /** Who is told about this run (the config's listener); the device stage reports copies here. */
    public LoaderListener listener() {
        return listener;
    }

    /** Chunks of read slabs waiting for a decode thread. Any thread. */
    public int decodeQueueDepth() {
        return readerToDecoders.size();
    }

    /** Read slabs (and epoch ends) handed on, waiting to be assembled into batches. Any thread. */
    public int assemblyQueueDepth() {
        return readerToAssembler.size();
    }

    /** The epoch being delivered, from 0 (the last one once the run is over). Any thread. */
    public int epoch() {
        return (int) Math.min(stats.epochsCompleted(), config.epochs - 1);
    }

    /** Share of the current epoch's records delivered, dead-lettered or dropped so far, 0..1. Any thread. */
    public double epochProgress() {
        if (stats.epochsCompleted() >= config.epochs) {
            return 1.0;
        }
        long perEpoch = source.records();
        if (perEpoch == 0) {
            return 0.0;
        }
        return Math.min(1.0, (double) (stats.recordsAccounted() - epochStartAccounted) / perEpoch);
    }

    /**
     * The Kafka consumer, for metric binders only: they may call its {@code metrics()} from any
     * thread (which the consumer allows), nothing else.
     */
    public org.apache.kafka.clients.consumer.Consumer<?, ?> consumerForMetrics() {
        return reader.consumerForMetrics();
    }

    /** Seconds from open to the end of the run (or to now, while it runs). */
    public double seconds() {
        long end = endedNanos != 0 ? endedNanos : System.nanoTime();
        return (end - startedNanos) / 1e9;
    }

    /**
     * The next batch, waiting for it; {@code null} when the run is over (all epochs, or
     * {@code --max-batches}). The caller owns the batch and must close it.
     *
     * @throws IllegalStateException (or the original unchecked exception) if the pipeline failed
     */
    public SpriteBatch next() throws InterruptedException {
        long began = System.nanoTime();
        assemblyNanos = 0;
        SpriteBatch batch = nextBatch();
        if (batch != null) {
            delivered(batch, System.nanoTime() - began);
        }
        return batch;
    }

    /** Tells the stats and the listener what the trainer waited for {@code batch}. */
    private void delivered(SpriteBatch batch, long waitedNanos) {
        stats.trainerWaitNanos.addAndGet(waitedNanos);
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < batch.size(); i++) {
            long t = batch.timestamp(i);
            if (t >= 0 && t < oldest) {
                oldest = t;
            }
        }
        listener.delivered(batch.size(), waitedNanos, assemblyNanos, oldest == Long.MAX_VALUE ? -1 : oldest);
    }

    private SpriteBatch nextBatch() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("loader is closed");
        }
        while (!finished) {
            if (config.maxBatches > 0 && stats.batchesDelivered() >= config.maxBatches) {
                finish();
                return null;
            }
            Object item = take();
            SpriteBatch batch;
            if (item instanceof BatchSlots slots) {
                inHand = slots;
                awaitDecoded(slots);
                inHand = null;
                long assembling = System.nanoTime();
                batch = assembler.accept(slots);
                assemblyNanos += System.nanoTime() - assembling;
            } else if (item == EPOCH_END) {
                long assembling = System.nanoTime();
                batch = assembler.endEpoch();
                assemblyNanos += System.nanoTime() - assembling;
                stats.dropped.set(assembler.dropped());
                if (stats.epochsCompleted.incrementAndGet() < config.epochs) {
                    epochStartAccounted = stats.recordsAccounted();
                }
            } else {
                finish();
                return null;
            }
            if (batch != null) {
                stats.samplesDelivered.addAndGet(batch.size());
                stats.batchesDelivered.incrementAndGet();
                return batch;
            }
        }
        return null;
    }

    private void finish() {
        finished = true;
        endedNanos = System.nanoTime();
        stopping = true;
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    private Object take() throws InterruptedException {
        while (true) {
            rethrowFailure();
            Object item = readerToAssembler.poll(WAIT_SLICE_MS, TimeUnit.MILLISECONDS);
            if (item != null) {
                return item;
            }
        }
    }

    private void awaitDecoded(BatchSlots slots) throws InterruptedException {
        while (!slots.awaitDecoded(WAIT_SLICE_MS, TimeUnit.MILLISECONDS)) {
            rethrowFailure();
        }
    }

    private void rethrowFailure() {
        Throwable t = failure.get();
        if (t == null) {
            return;
        }
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t.getMessage(), t);
    }

    private void fail(Throwable t) {
        if (!stopping) {
            failure.compareAndSet(null, t);
        }
    }

    private void rejected(BatchSlots slots, int slot) {
        stats.rejected.get(slots.reject(slot)).incrementAndGet();
        if (deadLetters != null) {
            deadLetters.send(slots.partition(slot), slots.offset(slot), slots.key(slot), slots.value(slot),
                    slots.label(slot), slots.reject(slot).code(), slots.error(slot));
        }
    }

    /** The reader thread: every epoch's plan, record by record, into slabs. */
    private void readAll() {
        BatchSlots[] filling = {null};
        try {
            for (int epoch = 0; epoch < config.epochs && !stopping; epoch++) {
                ReadPlan plan = ReadPlan.inOffsetOrder(source.ranges(), config.blockSize);
                final int e = epoch;
                reader.read(plan, record -> {
                    if (filling[0] == null) {
                        filling[0] = new BatchSlots(pool.acquire("filling, epoch " + e), e);
                    }
                    add(filling[0], record);
                    if (filling[0].isFull()) {
                        dispatch(filling);
                    }
                });
                if (filling[0] != null) {
                    dispatch(filling);
                }
                readerToAssembler.put(EPOCH_END);
            }
            readerToAssembler.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fail(t);
        } finally {
            if (filling[0] != null) {
                filling[0].lease().close();
            }
        }
    }

    private static void add(BatchSlots slots, ConsumerRecord<ByteBuffer, ByteBuffer> record) {
        Header label = record.headers().lastHeader(SpriteRecords.LABEL);
        slots.add(record.partition(), record.offset(), record.timestamp(), record.key(),
                label == null ? null : label.value(), record.value());
    }

    /**
     * Hands the slab in {@code holder[0]} to the assembler and the decoders. The holder keeps it
     * until the assembler has it, so an interruption never loses a slab nor returns one twice.
     */
    private void dispatch(BatchSlots[] holder) throws InterruptedException {
        BatchSlots slots = holder[0];
        int chunks = slots.seal(chunkSize(config));
        readerToAssembler.put(slots);
        holder[0] = null;
        for (int i = 0; i < chunks; i++) {
            readerToDecoders.put(slots);
        }
    }

    /**
     * Stops the threads, returns every slab still in the pipeline to the pool, flushes dead letters
     * and closes the pool.
     *
     * @throws IllegalStateException if batches handed out are still open (the message names them),
     *                               or dead letters could not be written
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopping = true;
        if (endedNanos == 0) {
            endedNanos = System.nanoTime();
        }
        readerThread.interrupt();
        reader.wakeup();
        decoderThreads.forEach(Thread::interrupt);
        join(readerThread);
        decoderThreads.forEach(SpriteLoader::join);
        reader.close();
        List<Object> left = new ArrayList<>();
        readerToAssembler.drainTo(left);
        readerToDecoders.clear();
        if (inHand != null) {
            left.add(inHand);
            inHand = null;
        }
        for (Object item : left) {
            if (item instanceof BatchSlots slots) {
                slots.lease().close();
            }
        }
        assembler.discard();
        slotMats.close();
        RuntimeException problem = null;
        try {
            if (deadLetters != null && !finished) {
                deadLetters.close();
            }
        } catch (RuntimeException e) {
            problem = e;
        }
        try {
            pool.close();
        } catch (RuntimeException e) {
            if (problem == null) {
                problem = e;
            } else {
                problem.addSuppressed(e);
            }
        }
        listener.closed(this);
        if (problem != null) {
            throw problem;
        }
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Leases not yet returned, for diagnosis. */
    public List<SlabLease> outstandingSlabs() {
        return pool.outstanding();
    }
}
