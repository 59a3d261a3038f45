package io.spritestream.loader.pipeline;

import ai.djl.ndarray.NDManager;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.BatchAssembler;
import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.batch.LabelIndex;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.cache.DecodedCache;
import io.spritestream.loader.decode.RejectReason;
import io.spritestream.loader.decode.SlotMats;
import io.spritestream.loader.decode.SpriteDecoder;
import io.spritestream.loader.export.RunReport;
import io.spritestream.loader.ingest.RecordFeed;
import io.spritestream.loader.ingest.ResolvedSource;
import io.spritestream.loader.ingest.SourceResolver;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabMemory;
import io.spritestream.loader.memory.PoolView;
import io.spritestream.loader.memory.SlabPool;
import io.spritestream.loader.replay.LoaderState;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.RunProgress;
import io.spritestream.loader.tensor.SlabViews;
import java.time.Duration;
import java.util.function.IntConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

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
 * <p>A facade over the pipeline's stages, each a thread of its own ({@link Stage}):
 * <ul>
 *   <li>the reader ({@code spritestream-reader}) runs the {@link RecordFeed} (a dataset version
 *       epoch after epoch, or a live tail), which owns the Kafka consumer and hands records in
 *       order to the {@link SlabFiller}: it fills slabs from the pool, waiting for a free one when
 *       the pool is empty (so fetching stops when the trainer is slow);</li>
 *   <li>{@code threads} decoders ({@code spritestream-decoder-N}, {@link DecodeWorker}) decode
 *       into the slabs;</li>
 *   <li>the assembler ({@link AssemblerStage}, {@code spritestream-assembler}) takes slabs in order,
 *       decodes what is still unclaimed of the one it waits for, and makes each batch with its DJL
 *       views a few batches ahead ({@link ReadyBatches});</li>
 *   <li>{@link #next()} only takes a finished batch, without ever waking another thread, and brings
 *       the run's {@link RunProgress} (its state) up to it.</li>
 * </ul>
 * Records that cannot become samples go through the {@link RejectPolicy}. The order of samples
 * depends only on the plan, never on thread timing.
 *
 * <p>{@link #next()} and {@link #close()} are for one thread (the trainer's); the views
 * ({@link #stats()}, {@link #pool()}, queue depths, {@link #epochProgress()}) for any.
 */
public final class SpriteLoader implements AutoCloseable {

    /** How long {@link #close()} waits for the pipeline's threads. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final LoaderSettings settings;
    private final ResolvedSource source;
    private final LoaderListener listener;
    private final RunObservers observers;
    private final LoaderStats stats = new LoaderStats();
    private final SlabPool pool;
    private final SlotMats slotMats;
    private final LabelIndex labels;
    private final RunAssembly run;
    private final RejectPolicy rejects;
    private final BatchAssembler assembler;
    private final BlockingQueue<BatchSlots> readerToDecoders;
    private final BlockingQueue<ToAssembler> readerToAssembler;
    private final SlabFiller filler;
    private final AssemblerStage assembling;
    private final ReadyBatches ready = new ReadyBatches();
    private final Stages stages;
    private final Stage assemblerThread;
    private final long startedNanos = System.nanoTime();
    private long endedNanos;
    private boolean finished;
    private volatile boolean closed;

    private SpriteLoader(LoaderSettings settings, KafkaSettings kafka, ResolvedSource source, RunAssembly run,
                         NDManager manager, RunObservers observers, SlabMemory memory) {
        this.settings = settings;
        this.source = source;
        this.observers = observers;
        this.listener = observers.events();
        this.stages = new Stages(observers.threadEnding());
        SlabLayout layout = new SlabLayout(settings.batchSize(), settings.pixels().height(), settings.pixels().width(),
                settings.pixels().channels());
        int slabs = settings.effectiveSlabs();
        this.pool = new SlabPool(layout, slabs, settings.leakDetection(), memory);
        this.slotMats = new SlotMats(layout, slabs);
        this.run = run;
        LoaderState resumed = settings.resumeState();
        List<String> initialClasses = resumed != null && !resumed.classes().isEmpty() ? resumed.classes() : source.classes();
        this.labels = new LabelIndex(initialClasses);
        this.rejects = new RejectPolicy(settings.onBadRecord(), kafka, source.topic(), stats, run.feed());
        this.assembler = new BatchAssembler(manager, labels, rejects, settings.dropLast());
        assembler.keepPositions(settings.worldSize() > 1);
        if (run.onBatchClosed() != null) {
            assembler.onBatchClosed(run.onBatchClosed());
        }
        int chunk = chunkSize(settings);
        int chunksPerBatch = (settings.batchSize() + chunk - 1) / chunk;
        this.readerToDecoders = new ArrayBlockingQueue<>(slabs * chunksPerBatch + 1);
        this.readerToAssembler = new ArrayBlockingQueue<>(assemblyQueueCapacity(slabs, settings.epochs()));
        this.filler = new SlabFiller(pool, run.startEpoch(), settings.keySplit(), chunk,
                readerToDecoders, readerToAssembler);
        SpriteDecoder.useSingleThreadedOpenCv();
        DecodeWorker decoding = new DecodeWorker(readerToDecoders, slotMats, settings.pixels(), settings.limits(), stats,
                listener, run.cache(), run.refetch(), settings.augment(), settings.order().seed(),
                new LabelCheck(initialClasses, settings.fixedClasses()));
        this.assembling = new AssemblerStage(readerToAssembler, readerToDecoders, decoding, assembler, ready, stages);
        for (int i = 0; i < settings.threads(); i++) {
            stages.add("spritestream-decoder-" + i, decoding::run);
        }
        this.assemblerThread = stages.add("spritestream-assembler", assembling::run);
        stages.add("spritestream-reader", this::read);
    }

    /** {@link #open(LoaderSettings, KafkaSettings, NDManager, LoaderListener)} of {@code config}, observed by nobody. */
    public static SpriteLoader open(LoaderConfig config, KafkaSettings kafka, NDManager manager) {
        return open(config.conclude(), kafka, manager, LoaderListener.NONE);
    }

    /**
     * Resolves the source, allocates the pool and starts the pipeline's threads.
     *
     * @param manager  a CPU manager, each batch's arrays living in a sub-manager of it; or null for
     *                 batches without DJL arrays (their bytes only), which never starts an engine
     * @param events   told about the run as it goes (metrics); notices go to standard error
     */
    public static SpriteLoader open(LoaderSettings settings, KafkaSettings kafka, NDManager manager,
                                    LoaderListener events) {
        return open(settings, kafka, manager, RunObservers.NONE.withEvents(events));
    }

    /** {@link #open(LoaderSettings, KafkaSettings, NDManager, LoaderListener)} with every observer's role given. */
    public static SpriteLoader open(LoaderSettings settings, KafkaSettings kafka, NDManager manager,
                                    RunObservers observers) {
        return open(settings, kafka, manager, observers, layout -> SlabMemory.DIRECT);
    }

    /**
     * {@link #open(LoaderSettings, KafkaSettings, NDManager, RunObservers)} with the slab pool in
     * memory of the caller's choice (the feed's shared ring), made for the run's layout and slab count.
     *
     * @param manager a CPU manager, or null for batches without DJL arrays (their bytes only)
     */
    public static SpriteLoader open(LoaderSettings settings, KafkaSettings kafka, NDManager manager,
                                    RunObservers observers, PoolMemory memory) {
        if (manager != null) {
            SlabViews.requireCpu(manager);
        }
        ResolvedSource source = kafka.waiting("resolving " + (settings.dataset() != null ? settings.dataset()
                : settings.topic()), () -> new SourceResolver(kafka).resolve(settings.dataset(), settings.topic(),
                settings.ranges()));
        SlabLayout layout = new SlabLayout(settings.batchSize(), settings.pixels().height(), settings.pixels().width(),
                settings.pixels().channels());
        StartupTimeline.mark("resolved");
        RunAssembly run = RunAssembly.of(settings, kafka, source, observers.notices(), observers.clients());
        SpriteLoader loader = new SpriteLoader(settings, kafka, source, run, manager, observers,
                memory.forPool(new PoolShape(layout, settings.effectiveSlabs())));
        loader.listener.opened(loader);
        loader.stages.startAll();
        StartupTimeline.mark("started");
        return loader;
    }

    /** What a pool will be: its slabs' layout and how many there are. */
    public record PoolShape(SlabLayout layout, int slabs) {}

    /** Memory for a pool of a given shape (made once, when the loader opens). */
    @FunctionalInterface
    public interface PoolMemory {
        SlabMemory forPool(PoolShape shape);
    }

    /**
     * Room between the reader and the assembler: every slab, and twice as many epoch ends as there
     * are slabs (or epochs, if fewer). The reader waits when it is full, as it waits for a free slab;
     * an epoch with records puts a slab before its end, so only a run of epochs with nothing for this
     * rank fills it with ends alone. Never sized by the run's epoch count, which may be a million.
     */
    static int assemblyQueueCapacity(int slabs, int epochs) {
        return slabs + 2 * Math.min(epochs, slabs) + 2;
    }

    private static int chunkSize(LoaderSettings settings) {
        // Enough chunks per batch for every thread to help, but not so small that claims dominate.
        return Math.max(4, Math.min(32, settings.batchSize() / Math.max(1, 2 * settings.threads())));
    }

    /** The reader stage: the feed's records into slabs. */
    private void read() throws InterruptedException {
        run.feed().run(filler);
    }

    /**
     * The next batch, waiting for it; {@code null} when the run is over (all epochs, or
     * {@code max-batches}). The caller owns the batch and must close it.
     *
     * @throws IllegalStateException (or the original unchecked exception) if the pipeline failed
     */
    public SpriteBatch next() throws InterruptedException {
        return next(true, null);
    }

    /**
     * {@link #next()} for a stage between the loader and the training loop (a device stage on its own
     * thread): its waits here are not the training loop's, which reports its own through
     * {@link #trainerWaited}.
     */
    public SpriteBatch nextForStage() throws InterruptedException {
        return next(false, null);
    }

    /**
     * {@link #nextForStage()}, telling {@code endedWithoutBatch} at once, on this thread and while
     * the call still waits, of each epoch that ended without a batch of its own (every record of it
     * a dead letter, or a rank's empty share): its end need not wait for the next batch, which may be
     * epochs away (or, for a validation side of dead letters only, every pass of the run away). The
     * run's epoch-end observers are told too, as always.
     */
    public SpriteBatch nextForStage(IntConsumer endedWithoutBatch) throws InterruptedException {
        return next(false, endedWithoutBatch);
    }

    /** Whether a batch was handed to the trainer yet (read and written by the trainer's thread). */
    private boolean delivered;

    private SpriteBatch next(boolean trainersWait, IntConsumer endedWithoutBatch) throws InterruptedException {
        long began = System.nanoTime();
        ready.trainerAsks(began);
        ToTrainer.Assembled got = nextAssembled(endedWithoutBatch);
        ready.trainerGot(System.nanoTime());
        if (got == null) {
            return null;
        }
        SpriteBatch batch = got.batch();
        if (!delivered) { // the trainer's thread only: marked once, not locked for every batch
            delivered = true;
            StartupTimeline.mark("first_batch");
        }
        if (trainersWait) {
            trainerWaited(System.nanoTime() - began);
        }
        listener.delivered(batch.size(), got.assemblyNanos(), got.oldestTimestamp());
        return batch;
    }

    /** The next batch the assembler made, with the progress and stats brought up to it; null at the end. */
    private ToTrainer.Assembled nextAssembled(IntConsumer endedWithoutBatch) throws InterruptedException {
        if (closed) {
            throw new IllegalStateException("loader is closed");
        }
        while (!finished) {
            rejects.checkNoFailure();
            if (settings.maxBatches() > 0 && stats.batchesDelivered() >= settings.maxBatches()) {
                finish();
                return null;
            }
            ToTrainer item = ready.take(stages);
            if (item instanceof ToTrainer.Assembled got) {
                delivered(got);
                return got;
            } else if (item instanceof ToTrainer.EpochDone done) {
                stats.dropped.set(done.dropped());
                epochDone(done.epoch());
                if (endedWithoutBatch != null) {
                    endedWithoutBatch.accept(done.epoch());
                }
            } else if (item instanceof ToTrainer.Failed failed) {
                finished = true;
                throw failed.error();
            } else {
                finish();
                return null;
            }
        }
        return null;
    }

    private void delivered(ToTrainer.Assembled got) {
        SpriteBatch batch = got.batch();
        stats.repeated.set(got.repeated());
        stats.dropped.set(got.dropped());
        stats.samplesDelivered.addAndGet(batch.size());
        stats.batchesDelivered.incrementAndGet();
        boolean endsEpoch = got.endsEpoch() >= 0;
        if (endsEpoch) {
            stats.epochsCompleted.incrementAndGet();
        }
        stats.partway = !endsEpoch;
        run.progress().delivered(batch.epoch(), batch.position(batch.size() - 1), batch.classes(), stats.batchesDelivered(),
                stats.samplesDelivered(), endsEpoch);
        if (endsEpoch) {
            observers.epochEnds().accept(got.endsEpoch());
        }
    }

    private void epochDone(int epoch) {
        stats.epochsCompleted.incrementAndGet();
        stats.partway = false;
        run.progress().epochDone(epoch, stats.batchesDelivered(), stats.samplesDelivered());
        observers.epochEnds().accept(epoch);
    }

    /**
     * The run is over (or reached its batch limit): the assembler, which sends dead letters, stops
     * (unless it handed over the end; it may be batches ahead under a limit), then the dead
     * letters are flushed.
     */
    private void finish() {
        finished = true;
        endedNanos = System.nanoTime();
        StartupTimeline.mark("last_batch");
        stages.stopping();
        if (!assembling.handedOverEnd()) {
            assemblerThread.interrupt();
            if (!assemblerThread.join(STOP_TIMEOUT)) {
                return; // close() reports it and leaves what it may still touch alone
            }
        }
        rejects.close();
    }

    /**
     * Counts {@code nanos} of the training loop waiting for its next batch. {@link #next()} does it
     * itself; a training loop that takes batches from a stage in between (a device stage, which calls
     * {@link #nextForStage()}) reports each of its waits here. Any thread.
     */
    public void trainerWaited(long nanos) {
        stats.trainerWaitNanos.addAndGet(nanos);
        listener.trainerWaited(nanos);
    }

    public ResolvedSource source() {
        return source;
    }

    /** The settings this run was opened with. */
    public LoaderSettings settings() {
        return settings;
    }

    /** How this run orders each epoch (its seed included). */
    public OrderSpec order() {
        return settings.order();
    }

    /** The run's state as of the last delivered batch (what {@code save-state} writes). */
    public LoaderState state() {
        return run.progress().state();
    }

    /**
     * Samples this rank will be handed in the whole run, before dead letters and {@code max-batches}:
     * the rest of the start epoch plus a share of every later one; -1 for a live tail.
     */
    public long plannedRecords() {
        return run.plannedRecords();
    }

    public LoaderStats stats() {
        return stats;
    }

    /** The class names so far (a label id is a position here). */
    public List<String> classes() {
        return labels.classes();
    }

    /** The slab pool's size and use (a read-only view). Any thread. */
    public PoolView pool() {
        return pool;
    }

    /** Records the reader has taken from Kafka so far (some may still be in the pipeline). Any thread. */
    public long recordsFetched() {
        return run.feed().recordsRead();
    }

    /** Value bytes of those records. Any thread. */
    public long bytesFetched() {
        return run.feed().bytesRead();
    }

    /** Who is told the run's events (metrics); the device stage reports copies here. */
    public LoaderListener listener() {
        return listener;
    }

    /** Where the run's one-line notices go (any thread). */
    public java.util.function.Consumer<String> notices() {
        return observers.notices();
    }

    /** The run's decoded-sample cache, or null (none asked, or a live tail). Any thread. */
    public DecodedCache cache() {
        return run.cache();
    }

    /** Chunks of read slabs waiting for a decode thread. Any thread. */
    public int decodeQueueDepth() {
        return readerToDecoders.size();
    }

    /** Read slabs (and epoch ends) handed on, waiting to be assembled into batches. Any thread. */
    public int assemblyQueueDepth() {
        return readerToAssembler.size();
    }

    /** Most read slabs and epoch ends that can wait to be assembled. Any thread. */
    public int assemblyQueueCapacity() {
        return readerToAssembler.size() + readerToAssembler.remainingCapacity();
    }

    /** The epoch being delivered, from 0 (the last one once the run is over; 0 for a live tail). Any thread. */
    public int epoch() {
        return run.progress().epoch();
    }

    /**
     * Share of this rank's order of the current epoch delivered so far (dead letters and skipped
     * records included), 0..1; NaN for a live tail, which has no epochs. Any thread.
     */
    public double epochProgress() {
        return run.progress().epochProgress();
    }

    /** Seconds from open to the end of the run (or to now, while it runs). */
    public double seconds() {
        long end = endedNanos != 0 ? endedNanos : System.nanoTime();
        return (end - startedNanos) / 1e9;
    }

    /** What the run did so far ({@code report-json}). */
    public RunReport report() {
        Map<String, Long> reasons = new TreeMap<>();
        for (RejectReason r : RejectReason.values()) {
            if (stats.rejected(r) > 0) {
                reasons.put(r.code(), stats.rejected(r));
            }
        }
        double s = seconds();
        return new RunReport(stats.samplesDelivered(), stats.batchesDelivered(), stats.epochsCompleted(),
                stats.partway(), s,
                s > 0 ? stats.samplesDelivered() / s : 0, stats.rejectedTotal(), reasons, stats.namedDeadLetters(),
                stats.recordsAccounted(),
                stats.dropped(), stats.repeated(), stats.cacheHits(), stats.cacheMisses(), stats.cacheCorrupt(),
                source.manifest().map(m -> m.key()).orElse(null), source.topic(), StartupTimeline.seconds());
    }

    /**
     * Stops the pipeline's threads, waiting for them as {@link #close()} does: once it returns, no
     * record is read and no slab is filled or decoded any more, so a slab given back to the pool
     * from then on is never written again (the feed gives its viewer's slots back only then).
     * {@link #close()} is still needed. The trainer's thread.
     *
     * @return whether every thread stopped in time
     */
    public boolean stopPipeline() {
        stages.stopping();
        run.feed().wakeup();
        return stages.stopAll(STOP_TIMEOUT).isEmpty();
    }

    /**
     * Stops the threads, returns every slab still in the pipeline to the pool, flushes dead letters
     * and closes the pool.
     *
     * @throws IllegalStateException if batches handed out are still open (the message names them),
     *                               dead letters could not be written, or a pipeline thread did not
     *                               stop in time (then its memory is left to it, not freed)
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (endedNanos == 0) {
            endedNanos = System.nanoTime();
        }
        stages.stopping();
        run.feed().wakeup();
        List<String> running = stages.stopAll(STOP_TIMEOUT);
        if (!running.isEmpty()) {
            // Their consumer, slabs and dead-letter writer may still be in use: leave them, say so.
            listener.closed(this);
            throw new IllegalStateException("pipeline threads did not stop within " + STOP_TIMEOUT.toSeconds() + " s: "
                    + stages.whereNow(running) + "; the memory and clients they use are left to them, not freed");
        }
        returnSlabs();
        RuntimeException problem = attempt(null, run::close);
        problem = attempt(problem, rejects::close);
        problem = attempt(problem, pool::close);
        listener.closed(this);
        if (problem != null) {
            throw problem;
        }
    }

    /** Every slab in the queues, in hand or assembled but not taken goes back to the pool (threads stopped). */
    private void returnSlabs() {
        filler.release();
        List<ToAssembler> read = new ArrayList<>();
        readerToAssembler.drainTo(read);
        readerToDecoders.clear();
        for (ToAssembler item : read) {
            if (item instanceof ToAssembler.Filled filled) {
                filled.slots().lease().close();
            }
        }
        BatchSlots inHand = assembling.inHand();
        if (inHand != null && !inHand.lease().isClosed()) {
            inHand.lease().close();
        }
        for (ToTrainer item : ready.drain()) {
            if (item instanceof ToTrainer.Assembled got) {
                got.batch().close();
            }
        }
        assembler.discard();
        assembling.close();
        slotMats.close();
    }

    /** Runs {@code step}; its failure becomes the problem, or is suppressed by the one already there. */
    static RuntimeException attempt(RuntimeException problem, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            if (problem == null) {
                return e;
            }
            problem.addSuppressed(e);
        }
        return problem;
    }
}
