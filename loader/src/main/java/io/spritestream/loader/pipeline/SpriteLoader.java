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
import io.spritestream.loader.ingest.FollowReader;
import io.spritestream.loader.ingest.OrderedSink;
import io.spritestream.loader.ingest.RangeReader;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.SourceResolver;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabLease;
import io.spritestream.loader.memory.SlabPool;
import io.spritestream.loader.replay.EpochOrder;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.MixingBuffer;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.RecordSpace;
import io.spritestream.loader.replay.Remainder;
import io.spritestream.loader.tensor.SlabViews;
import io.spritestream.record.SpriteRecords;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
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
 * slabs; one assembler ({@code spritestream-assembler}) takes slabs in order, decodes what is still
 * unclaimed of the one it waits for, and makes each batch with its DJL views a few batches ahead
 * (torch work stays off the decode threads); {@link #next()} only takes a finished batch, without
 * ever waking another thread. The order of samples depends only on the plan, never on thread timing.
 *
 * <p>{@link #next()} and {@link #close()} are for one thread (the trainer's).
 */
public final class SpriteLoader implements AutoCloseable {

    private static final Object END = new Object();
    /** A live tail went idle: deliver the partly filled batch now rather than wait for more records. */
    private static final Object FLUSH = new Object();
    private static final long WAIT_SLICE_MS = 100;
    /** Batches the assembler thread may have ready before the trainer asks (each holds a slab). */
    private static final int READY_BATCHES = 4;

    private final LoaderConfig config;
    private final ResolvedSource source;
    private final RecordSpace space;
    private final int[] firstOrder;
    private final Path statePath;
    private volatile LoaderState state;
    private final SlabPool pool;
    private final BatchSlots[] slotsBySlab;
    private final SlotMats slotMats;
    private final RangeReader reader;
    private final FollowReader follower;
    private final DeadLetterWriter deadLetters;
    private final BatchAssembler assembler;
    private final LabelIndex labels;
    private final LoaderStats stats = new LoaderStats();
    private final LoaderListener listener;
    private final BlockingQueue<BatchSlots> readerToDecoders;
    private final BlockingQueue<Object> readerToAssembler;
    /**
     * Batches made ahead of {@link #next()}, with epoch ends and the end, in delivery order. Taking
     * from it never makes the trainer's thread wake another thread (a system call that costs tens
     * of microseconds on some virtual machines): the assembler sleeps for a while when it is full.
     */
    private final ConcurrentLinkedQueue<Object> assembledToTrainer = new ConcurrentLinkedQueue<>();
    /** Batches in {@link #assembledToTrainer}. */
    private final AtomicInteger readyBatches = new AtomicInteger();
    private volatile Thread trainerParked;
    /**
     * How long the trainer works between two batches (a moving average of the time from one
     * {@link #next()} returning to the next call, its waits left out), so the assembler knows how
     * long it may sleep when it is ahead.
     */
    private volatile long trainerWorkNanos;
    private long lastReturnNanos;
    private volatile Thread assemblerParked;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Thread readerThread;
    private final Thread assemblerThread;
    private final List<Thread> decoderThreads = new ArrayList<>();
    private final long startedNanos = System.nanoTime();
    private volatile boolean stopping;
    /** The assembler thread has handed over the end: it makes no batch and sends no dead letter any more. */
    private volatile boolean assemblerDone;
    private boolean finished;
    private volatile boolean closed;
    /** The slab the assembler thread holds between the queue and the batch (closed if it stops there). */
    private volatile BatchSlots inHand;
    /** Decodes on the assembler's thread while it waits for a slab (see {@link #awaitDecoded}). */
    private final DecodeWorker helper;
    private SpriteDecoder assemblerDecoder;
    private long endedNanos;

    private SpriteLoader(LoaderConfig config, KafkaSettings kafka, ResolvedSource source, NDManager manager) {
        this.config = config;
        this.source = source;
        this.listener = config.listener;
        SlabLayout layout = new SlabLayout(config.batchSize, config.pixels.height(), config.pixels.width(),
                config.pixels.channels());
        int slabs = config.effectiveSlabs();
        this.pool = new SlabPool(layout, slabs, config.leakDetection);
        this.slotMats = new SlotMats(layout, slabs);
        this.slotsBySlab = new BatchSlots[slabs];
        this.space = new RecordSpace(config.following() ? List.of() : source.ranges());
        this.firstOrder = config.following() ? new int[0] : EpochOrder.compute(space, config.order, config.startEpoch(),
                config.startSplits(), config.worldSize, config.rank);
        this.statePath = config.saveState == null ? null : LoaderState.forRank(config.saveState, config.rank);
        this.state = initialState(config, source);
        this.labels = new LabelIndex(config.resume != null && !config.resume.classes().isEmpty()
                ? config.resume.classes() : source.classes());
        this.deadLetters = config.badRecords == BadRecordPolicy.DLQ ? new DeadLetterWriter(kafka, source.topic()) : null;
        this.assembler = new BatchAssembler(manager, labels, this::rejected, config.dropLast);
        assembler.keepPositions(config.worldSize > 1);
        this.reader = config.following() ? null
                : new RangeReader(kafka, source.topic(), Math.max(config.readAheadRecords, config.order.blockSize()),
                        config.order.shuffle());
        if (reader != null) {
            reader.notices(config.notices);
        }
        this.follower = config.following() ? new FollowReader(kafka, source.topic(), config.followGroup) : null;
        if (follower != null) {
            assembler.onBatchClosed((slots, rows) -> {
                for (int i = 0; i < rows; i++) {
                    follower.done(slots.partition(i), slots.offset(i));
                }
            });
        }
        int chunksPerBatch = (config.batchSize + chunkSize(config) - 1) / chunkSize(config);
        this.readerToDecoders = new ArrayBlockingQueue<>(slabs * chunksPerBatch + 1);
        this.readerToAssembler = new ArrayBlockingQueue<>(slabs + 2 * config.epochs + 2);
        SpriteDecoder.useSingleThreadedOpenCv();
        this.helper = new DecodeWorker(readerToDecoders, slotMats, config.pixels, config.limits, stats, listener,
                this::fail);
        for (int i = 0; i < config.threads; i++) {
            Thread t = new Thread(new DecodeWorker(readerToDecoders, slotMats, config.pixels, config.limits, stats,
                    listener, this::fail), "spritestream-decoder-" + i);
            t.setDaemon(true);
            decoderThreads.add(t);
        }
        this.readerThread = new Thread(config.following() ? this::followAll : this::readAll, "spritestream-reader");
        this.readerThread.setDaemon(true);
        this.assemblerThread = new Thread(this::assembleAll, "spritestream-assembler");
        this.assemblerThread.setDaemon(true);
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
        ResolvedSource source;
        if (config.ranges != null) {
            ResolvedSource known = config.dataset != null ? resolver.dataset(config.dataset) : null;
            source = new ResolvedSource(config.topic, config.ranges, known == null ? List.of() : known.classes(),
                    known == null ? java.util.Optional.empty() : known.manifest());
        } else {
            source = config.dataset != null ? resolver.dataset(config.dataset) : resolver.topic(config.topic);
        }
        SpriteLoader loader = new SpriteLoader(config, kafka, source, manager);
        loader.listener.opened(loader);
        loader.decoderThreads.forEach(Thread::start);
        loader.assemblerThread.start();
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

    /** How this run orders each epoch (its seed included). */
    public OrderSpec order() {
        return config.order;
    }

    /** The run's state as of the last delivered batch (what {@code --save-state} writes). */
    public LoaderState state() {
        return state;
    }

    /**
     * Samples this rank will be handed in the whole run, before dead letters and {@code --max-batches}:
     * the rest of the start epoch plus a share of every later one; -1 for a live tail.
     */
    public long plannedRecords() {
        if (config.following()) {
            return -1;
        }
        long rest = firstOrder.length - Math.min(firstOrder.length, config.startPosition());
        return rest + epochLength() * Math.max(0, config.epochs - config.startEpoch() - 1);
    }

    private static LoaderState initialState(LoaderConfig config, ResolvedSource source) {
        if (config.resume != null) {
            LoaderState r = config.resume;
            return new LoaderState(LoaderState.FORMAT, r.dataset(), r.datasetVersion(), r.topic(), r.ranges(), r.seed(),
                    r.shuffle(), r.blockSize(), r.shuffleBuffer(), r.remainder(), config.epochs, r.epoch(), r.position(),
                    config.worldSize, config.rank, r.splits(), r.classes(), config.batchSize, r.batchesDelivered(),
                    r.samplesDelivered(), java.time.Instant.now().toString());
        }
        OrderSpec order = config.order;
        return new LoaderState(LoaderState.FORMAT, source.manifest().map(m -> m.dataset()).orElse(null),
                source.manifest().map(m -> m.version()).orElse(0), source.topic(), LoaderState.rangesOf(source.ranges()),
                order.seed(), order.shuffle(), order.blockSize(), order.bufferSize(),
                order.remainder().name().toLowerCase(java.util.Locale.ROOT), config.epochs, 0, 0, config.worldSize,
                config.rank, List.of(), source.classes(), config.batchSize, 0, 0, java.time.Instant.now().toString());
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
        return reader == null ? stats.samplesDelivered() + stats.rejectedTotal() : reader.recordsRead();
    }

    public long bytesFetched() {
        return reader == null ? 0 : reader.bytesRead();
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

    /** The epoch being delivered, from 0 (the last one once the run is over; 0 for a live tail). Any thread. */
    public int epoch() {
        return Math.max(0, Math.min(state.epoch(), config.epochs - 1));
    }

    /**
     * Share of this rank's order of the current epoch delivered so far (dead letters and skipped
     * records included), 0..1; NaN for a live tail, which has no epochs. Any thread.
     */
    public double epochProgress() {
        if (config.following()) {
            return Double.NaN;
        }
        LoaderState now = state;
        if (now.epoch() >= config.epochs) {
            return 1.0;
        }
        long length = now.epoch() == config.startEpoch() ? firstOrder.length : epochLength();
        return length == 0 ? 0.0 : Math.min(1.0, (double) now.position() / length);
    }

    /** Records of one epoch's order for this rank (a start epoch resumed with splits may differ). */
    private long epochLength() {
        return config.order.remainder() == Remainder.DROP ? space.size() / config.worldSize
                : (space.size() + config.worldSize - 1) / config.worldSize;
    }

    /**
     * The Kafka consumer, for metric binders only: they may call its {@code metrics()} from any
     * thread (which the consumer allows), nothing else.
     */
    public org.apache.kafka.clients.consumer.Consumer<?, ?> consumerForMetrics() {
        return reader != null ? reader.consumerForMetrics() : follower.consumerForMetrics();
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
        if (lastReturnNanos != 0) {
            trainerWorkNanos = (3 * trainerWorkNanos + (began - lastReturnNanos)) / 4;
        }
        Assembled ready = nextAssembled();
        lastReturnNanos = System.nanoTime();
        if (ready == null) {
            return null;
        }
        SpriteBatch batch = ready.batch();
        if (!config.trainerWaitReportedByCaller) {
            trainerWaited(System.nanoTime() - began);
        }
        listener.delivered(batch.size(), ready.assemblyNanos(), ready.oldestTimestamp());
        return batch;
    }

    /**
     * Counts {@code nanos} of the training loop waiting for its next batch. {@link #next()} does it
     * itself unless {@link LoaderConfig#trainerWaitReportedByCaller}: then the training loop, which
     * takes batches from a stage in between (a device stage), reports each wait here. Any thread.
     */
    public void trainerWaited(long nanos) {
        stats.trainerWaitNanos.addAndGet(nanos);
        listener.trainerWaited(nanos);
    }

    /** The next batch the assembler thread made, with the state and stats brought up to it; null at the end. */
    private Assembled nextAssembled() throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("loader is closed");
        }
        while (!finished) {
            if (deadLetters != null) {
                deadLetters.checkNoFailure();
            }
            if (config.maxBatches > 0 && stats.batchesDelivered() >= config.maxBatches) {
                finish();
                return null;
            }
            Object item = take();
            if (item instanceof Assembled ready) {
                stats.repeated.set(ready.repeated());
                stats.dropped.set(ready.dropped());
                stats.samplesDelivered.addAndGet(ready.batch().size());
                stats.batchesDelivered.incrementAndGet();
                delivered(ready.batch(), ready.endsEpoch());
                return ready;
            } else if (item instanceof EpochEnd end) {
                stats.dropped.set(end.dropped());
                epochDone(end.epoch());
            } else if (item instanceof Failed failed) {
                finished = true;
                throw failed.error();
            } else {
                finish();
                return null;
            }
        }
        return null;
    }

    /**
     * A batch made by the assembler thread; {@code endsEpoch} >= 0 if it is that epoch's last;
     * {@code oldestTimestamp} is its oldest record's timestamp (-1 if none has one).
     */
    private record Assembled(SpriteBatch batch, int endsEpoch, long repeated, long dropped, long assemblyNanos,
                             long oldestTimestamp) {}

    /** The assembler thread could not make a batch (a bad record under {@code fail}): thrown in its turn. */
    private record Failed(RuntimeException error) {}

    /**
     * The assembler thread: takes read slabs in order, waits for (and helps with) their decoding,
     * makes each batch with its DJL views and hands it to {@link #next()} a couple of batches ahead,
     * so the trainer's thread only takes a finished batch.
     */
    private void assembleAll() {
        try {
            while (!stopping) {
                Object item = readerToAssembler.take();
                if (item instanceof BatchSlots slots) {
                    inHand = slots;
                    awaitDecoded(slots);
                    long assembling = System.nanoTime();
                    SpriteBatch batch;
                    try {
                        batch = assembler.accept(slots);
                    } catch (RuntimeException e) {
                        inHand = null;
                        if (!slots.lease().isClosed()) {
                            slots.lease().close();
                        }
                        handOver(new Failed(e));
                        return;
                    }
                    inHand = null;
                    if (batch != null) {
                        handOver(batch, -1, System.nanoTime() - assembling);
                    }
                } else if (item == FLUSH || item instanceof EpochEnd) {
                    long assembling = System.nanoTime();
                    SpriteBatch batch = assembler.endEpoch();
                    int epoch = item instanceof EpochEnd end ? end.epoch() : -1;
                    if (batch != null) {
                        handOver(batch, epoch, System.nanoTime() - assembling);
                    } else if (epoch >= 0) {
                        handOver(new EpochEnd(epoch, assembler.dropped()));
                    }
                } else {
                    assemblerDone = true;
                    handOver(END);
                    idleUntilClosed();
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void handOver(SpriteBatch batch, int endsEpoch, long assemblyNanos) throws InterruptedException {
        try {
            while (readyBatches.get() >= READY_BATCHES) {
                // Full: sleep about as long as the trainer takes to use half of them. The trainer
                // wakes this thread only when it finds nothing ready (then it waits anyway): a
                // wake-up would otherwise cost the training loop's own time.
                long pause = Math.max(20_000L, Math.min(5_000_000L, trainerWorkNanos * (READY_BATCHES / 2)));
                assemblerParked = Thread.currentThread();
                if (readyBatches.get() >= READY_BATCHES) {
                    LockSupport.parkNanos(this, pause);
                }
                assemblerParked = null;
                if (Thread.interrupted() || stopping) {
                    throw new InterruptedException("loader stopping");
                }
            }
        } catch (InterruptedException e) {
            batch.close();
            throw e;
        }
        readyBatches.incrementAndGet();
        handOver(new Assembled(batch, endsEpoch, assembler.repeated(), assembler.dropped(), assemblyNanos,
                oldestTimestamp(batch)));
    }

    private static long oldestTimestamp(SpriteBatch batch) {
        long oldest = Long.MAX_VALUE;
        for (int i = 0; i < batch.size(); i++) {
            long t = batch.timestamp(i);
            if (t >= 0 && t < oldest) {
                oldest = t;
            }
        }
        return oldest == Long.MAX_VALUE ? -1 : oldest;
    }

    /** Queues {@code item} for {@link #next()} and wakes the trainer's thread if it sleeps (this thread pays for it). */
    private void handOver(Object item) {
        assembledToTrainer.add(item);
        Thread trainer = trainerParked;
        if (trainer != null) {
            LockSupport.unpark(trainer);
        }
    }

    /** Records the delivery of {@code batch} in the state (before the caller gets it). */
    private void delivered(SpriteBatch batch, int endsEpoch) {
        int epoch = batch.epoch();
        long position = batch.position(batch.size() - 1) + 1;
        state = state.at(epoch, position, epoch == config.startEpoch() ? config.startSplits() : List.of(),
                batch.classes(), stats.batchesDelivered() + baseBatches(), stats.samplesDelivered() + baseSamples());
        if (endsEpoch >= 0) {
            epochDone(endsEpoch);
        } else {
            saveState();
        }
    }

    private void epochDone(int epoch) {
        stats.epochsCompleted.incrementAndGet();
        state = state.at(epoch + 1, 0, List.of(), state.classes(), stats.batchesDelivered() + baseBatches(),
                stats.samplesDelivered() + baseSamples());
        saveState();
    }

    private long baseBatches() {
        return config.resume == null ? 0 : config.resume.batchesDelivered();
    }

    private long baseSamples() {
        return config.resume == null ? 0 : config.resume.samplesDelivered();
    }

    private void saveState() {
        if (statePath == null) {
            return;
        }
        try {
            state.write(statePath);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot write the state file " + statePath + ": " + e.getMessage(), e);
        }
    }

    private void finish() {
        finished = true;
        endedNanos = System.nanoTime();
        stopping = true;
        // The assembler thread sends dead letters: unless it has handed over the end, it stops (it may
        // be batches ahead under --max-batches) before the writer is flushed and closed here.
        if (!assemblerDone) {
            assemblerThread.interrupt();
            join(assemblerThread);
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
    }

    /** The next item the assembler thread handed over; a failure elsewhere is thrown once nothing is ready. */
    private Object take() throws InterruptedException {
        while (true) {
            Object item = assembledToTrainer.poll();
            if (item != null) {
                if (item instanceof Assembled) {
                    readyBatches.decrementAndGet();
                }
                return item;
            }
            rethrowFailure();
            // Nothing ready: this thread waits anyway, so it may pay for waking a sleeping assembler.
            Thread sleeping = assemblerParked;
            if (sleeping != null) {
                LockSupport.unpark(sleeping);
            }
            trainerParked = Thread.currentThread();
            if (assembledToTrainer.isEmpty()) {
                LockSupport.parkNanos(this, WAIT_SLICE_MS * 1_000_000L);
            }
            trainerParked = null;
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    }

    /**
     * Waits until {@code head} is decoded, decoding meanwhile (assembler thread): first what is
     * unclaimed of {@code head}, then chunks of later slabs; it sleeps briefly only when there is
     * nothing to decode. It is never woken by a decoder: a wake-up per slab cost the decoders 75-85
     * us each on a virtual machine (a tenth of a decode thread's time).
     */
    private void awaitDecoded(BatchSlots head) throws InterruptedException {
        long pause = 20_000;
        while (!head.isDecoded()) {
            BatchSlots work = head.claimable() ? head : readerToDecoders.poll();
            if (work != null) {
                if (assemblerDecoder == null) {
                    assemblerDecoder = new SpriteDecoder(config.pixels, config.limits);
                }
                helper.decodeUnclaimed(assemblerDecoder, work);
                pause = 20_000;
                continue;
            }
            rethrowFailure();
            if (stopping) {
                throw new InterruptedException("loader stopping");
            }
            LockSupport.parkNanos(this, pause);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
            pause = Math.min(2 * pause, 200_000);
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
        if (config.badRecords == BadRecordPolicy.FAIL) {
            throw new BadRecordException("bad record " + source.topic() + "/" + slots.partition(slot) + "/"
                    + slots.offset(slot) + " (key " + keyText(slots, slot) + "): " + slots.reject(slot).code() + ": "
                    + slots.error(slot) + " (--on-bad-record fail)");
        }
        stats.rejected.get(slots.reject(slot)).incrementAndGet();
        if (follower != null) {
            follower.done(slots.partition(slot), slots.offset(slot));
        }
        if (deadLetters != null) {
            deadLetters.send(slots.partition(slot), slots.offset(slot), slots.key(slot), slots.value(slot),
                    slots.label(slot), slots.reject(slot).code(), slots.error(slot));
        }
    }

    private static String keyText(BatchSlots slots, int slot) {
        ByteBuffer key = slots.key(slot);
        return key == null ? "none" : java.nio.charset.StandardCharsets.UTF_8.decode(key.duplicate()).toString();
    }

    /** The reader thread: every epoch's order, record by record, into slabs. */
    private void readAll() {
        BatchSlots[] filling = {null};
        OrderedSink previous = null;
        try {
            for (int epoch = config.startEpoch(); epoch < config.epochs && !stopping; epoch++) {
                boolean first = epoch == config.startEpoch();
                int[] order = first ? firstOrder : EpochOrder.compute(space, config.order, epoch, List.of(),
                        config.worldSize, config.rank);
                int start = first ? (int) Math.min(order.length, config.startPosition()) : 0;
                final int e = epoch;
                final String owner = "filling, epoch " + epoch;
                OrderedSink.Target target = new OrderedSink.Target() {
                    @Override
                    public Object arrived(ConsumerRecord<ByteBuffer, ByteBuffer> record) {
                        return label(record);
                    }

                    @Override
                    public void accept(ConsumerRecord<ByteBuffer, ByteBuffer> record, Object label, long position)
                            throws InterruptedException {
                        if (config.keySplit != null && !config.keySplit.accepts(record.key())) {
                            return;
                        }
                        if (filling[0] == null) {
                            filling[0] = slotsFor(pool.acquire(owner), e);
                        }
                        add(filling[0], record, (byte[]) label, position);
                        if (filling[0].isFull()) {
                            dispatch(filling);
                        }
                    }

                    @Override
                    public void missing(long position, int partition, long offset) {
                        stats.missing.incrementAndGet();
                    }
                };
                OrderedSink sink = previous == null
                        ? new OrderedSink(space, order, start, config.order.blockSize(), target)
                        : previous.following(order, start, target);
                reader.read(sink.fetchPlan(), sink);
                sink.finish();
                previous = sink;
                if (filling[0] != null) {
                    dispatch(filling);
                }
                readerToAssembler.put(new EpochEnd(epoch));
            }
            readerToAssembler.put(END);
            idleUntilClosed();
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

    /**
     * Keeps a pipeline thread (idle) until the loader is closed, so everything about the run,
     * including per-thread counters a benchmark reads after the last batch, outlives it.
     */
    private void idleUntilClosed() {
        while (!closed && !Thread.currentThread().isInterrupted()) {
            LockSupport.parkNanos(WAIT_SLICE_MS * 1_000_000L);
        }
    }

    /** The reader thread of a live tail: records as they come, mixed, into slabs, until closed. */
    private void followAll() {
        BatchSlots[] filling = {null};
        long sequence = 0;
        MixingBuffer<ConsumerRecord<ByteBuffer, ByteBuffer>> mixing = new MixingBuffer<>(
                config.order.shuffle() ? config.order.bufferSize() : 1, config.order.seed());
        boolean flushed = true;
        try {
            while (!stopping) {
                var records = follower.poll();
                for (ConsumerRecord<ByteBuffer, ByteBuffer> record : records) {
                    ConsumerRecord<ByteBuffer, ByteBuffer> out = config.order.shuffle() ? mixing.offer(record) : record;
                    if (out != null) {
                        follow(filling, out, sequence++);
                    }
                }
                if (!records.isEmpty()) {
                    flushed = false;
                } else if (!flushed && !config.dropLast) {
                    for (ConsumerRecord<ByteBuffer, ByteBuffer> out : mixing.drain()) {
                        follow(filling, out, sequence++);
                    }
                    if (filling[0] != null) {
                        dispatch(filling);
                    }
                    readerToAssembler.put(FLUSH);
                    flushed = true;
                }
            }
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

    private void follow(BatchSlots[] filling, ConsumerRecord<ByteBuffer, ByteBuffer> record, long sequence)
            throws InterruptedException {
        if (filling[0] == null) {
            SlabLease lease;
            while ((lease = pool.tryAcquire("filling, live", WAIT_SLICE_MS, TimeUnit.MILLISECONDS)) == null) {
                follower.keepAlive();
            }
            filling[0] = slotsFor(lease, 0);
        }
        add(filling[0], record, sequence);
        if (filling[0].isFull()) {
            dispatch(filling);
        }
    }

    /** The slab's own slots, made on its first use and reused after (reader thread). */
    private BatchSlots slotsFor(SlabLease lease, int epoch) {
        BatchSlots slots = slotsBySlab[lease.slabIndex()];
        if (slots == null) {
            slots = new BatchSlots(lease, epoch);
            slotsBySlab[lease.slabIndex()] = slots;
            return slots;
        }
        return slots.reuse(lease, epoch);
    }

    /** Marks the end of an epoch in the reader-to-assembler queue. */
    private record EpochEnd(int epoch, long dropped) {
        EpochEnd(int epoch) {
            this(epoch, 0);
        }
    }

    private static void add(BatchSlots slots, ConsumerRecord<ByteBuffer, ByteBuffer> record, long position) {
        add(slots, record, label(record), position);
    }

    private static void add(BatchSlots slots, ConsumerRecord<ByteBuffer, ByteBuffer> record, byte[] label,
                            long position) {
        slots.add(position, record.partition(), record.offset(), record.timestamp(), record.key(), label,
                record.value());
    }

    /**
     * The value of the record's first {@code label} header, or null. The producer writes the label
     * first: looking forward decodes one header key per record where {@code lastHeader} decodes
     * every key (Kafka turns each key into a String on first access).
     */
    static byte[] label(ConsumerRecord<?, ?> record) {
        for (Header h : record.headers()) {
            if (SpriteRecords.LABEL.equals(h.key())) {
                return h.value();
            }
        }
        return null;
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
        if (reader != null) {
            reader.wakeup();
        } else {
            follower.wakeup();
        }
        decoderThreads.forEach(Thread::interrupt);
        assemblerThread.interrupt();
        join(readerThread);
        decoderThreads.forEach(SpriteLoader::join);
        join(assemblerThread);
        if (reader != null) {
            reader.close();
        }
        List<Object> left = new ArrayList<>();
        readerToAssembler.drainTo(left);
        readerToDecoders.clear();
        if (inHand != null) {
            left.add(inHand);
            inHand = null;
        }
        for (Object item = assembledToTrainer.poll(); item != null; item = assembledToTrainer.poll()) {
            left.add(item);
        }
        for (Object item : left) {
            if (item instanceof BatchSlots slots) {
                slots.lease().close();
            } else if (item instanceof Assembled ready) {
                ready.batch().close();
            }
        }
        assembler.discard();
        if (assemblerDecoder != null) {
            assemblerDecoder.close();
        }
        slotMats.close();
        RuntimeException problem = null;
        if (follower != null) {
            follower.close();
        }
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
}
