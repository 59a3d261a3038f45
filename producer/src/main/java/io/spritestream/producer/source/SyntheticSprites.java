package io.spritestream.producer.source;

import io.spritestream.config.Setting;
import io.spritestream.record.ContentTypes;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A built-in dataset of procedural pixel-art sprites (balls, crosses, hearts, swords, ...), one
 * shape and palette per class, drawn on a coarse grid and encoded as 8-bit RGBA PNGs on a
 * transparent background.
 *
 * <p>Deterministic: the same arguments give the same sprites, with byte-identical PNGs, in the same
 * order, every time and on every thread count (each sprite depends only on the seed and its index).
 * Classes are dealt in shuffled rounds, so every class gets {@code count / classes} sprites, give or
 * take one, and the order does not cycle through the classes.
 *
 * <p>Class {@code k} uses shape {@code k mod 16}; beyond 16 classes the shapes repeat with another
 * hue and a suffixed name ({@code ball-1}, ...), so every class differs from every other in shape or
 * palette. Keys are {@code synthetic/<class>/<n>}, where {@code n} is the sprite's position in the
 * stream, zero-padded so keys sort naturally.
 *
 * <p>{@link #forEach} encodes on a few worker threads of its own but calls the sink only from the
 * calling thread, in order. Not thread-safe otherwise: one caller at a time.
 */
public final class SyntheticSprites implements SpriteSource {

    /** How many sprites ({@code --synthetic N}); no default: a command that has one gives it. */
    public static final Setting<Long> COUNT = Setting.of("synthetic", Long.class, null, null, n -> n != null && n >= 1,
            ">= 1", "N procedural pixel-art sprites");
    public static final Setting<Integer> CLASSES = Setting.integer("classes", 8, 1, 64, "Classes");
    /** Width and height of each sprite in pixels. */
    public static final Setting<Integer> SIZE = Setting.integer("size", 32, 8, 512, "Sprite size");
    /** Any value; the same seed gives the same sprites. */
    public static final Setting<Long> SEED = Setting.longInteger("seed", 7, Long.MIN_VALUE, Long.MAX_VALUE,
            "Seed of the sprites");

    private static final SpriteArchetype[] SHAPES = SpriteArchetype.values();
    /** Hue shift, in turns, for the second, third and fourth use of a shape. */
    private static final double[] REPEAT_HUE_SHIFT = {0.0, 0.5, 0.25, 0.75};
    private static final int CHUNK = 64;
    private static final int MAX_WORKERS = 8;

    private final long count;
    private final int classes;
    private final int sizePx;
    private final long seed;
    private final List<String> classNames;
    private final String keyFormat;

    /**
     * @param count   number of sprites, at least 1
     * @param classes number of classes ({@link #CLASSES})
     * @param sizePx  width and height of each sprite in pixels ({@link #SIZE})
     * @param seed    any value; the same seed gives the same sprites
     * @throws IllegalArgumentException if a value is out of range; the message names it
     */
    public SyntheticSprites(long count, int classes, int sizePx, long seed) {
        if (count < 1) {
            throw new IllegalArgumentException("count: " + count + " (expected >= 1)");
        }
        CLASSES.check(classes);
        SIZE.check(sizePx);
        this.count = count;
        this.classes = classes;
        this.sizePx = sizePx;
        this.seed = seed;
        this.classNames = Collections.unmodifiableList(classNames(classes));
        this.keyFormat = "synthetic/%s/%0" + Long.toString(count - 1).length() + "d";
    }

    /** Every declared setting of the synthetic set ({@code SyntheticOptions}). */
    public static List<Setting<?>> declared() {
        return List.of(COUNT, CLASSES, SIZE, SEED);
    }

    private static List<String> classNames(int classes) {
        List<String> names = new ArrayList<>(classes);
        for (int k = 0; k < classes; k++) {
            int repeat = k / SHAPES.length;
            String shape = SHAPES[k % SHAPES.length].label();
            names.add(repeat == 0 ? shape : shape + "-" + repeat);
        }
        return names;
    }

    @Override
    public long size() {
        return count;
    }

    /** The class names in label order: {@code ball, cross, diamond, heart, ring, frame, triangle, star, ...}. */
    @Override
    public List<String> classes() {
        return classNames;
    }

    @Override
    public String describe() {
        return "synthetic " + count + " sprites, " + classes + " classes, " + sizePx + "px, seed " + seed;
    }

    @Override
    public void forEach(Consumer<Sprite> sink) throws IOException {
        int workers = Math.min(MAX_WORKERS, Runtime.getRuntime().availableProcessors());
        if (workers <= 1 || count <= CHUNK) {
            forEachOnThisThread(sink);
        } else {
            forEachOnWorkers(sink, workers);
        }
    }

    private void forEachOnThisThread(Consumer<Sprite> sink) throws IOException {
        SpritePainter painter = new SpritePainter(sizePx);
        try (PngEncoder encoder = new PngEncoder()) {
            for (long index = 0; index < count; index++) {
                sink.accept(sprite(index, painter, encoder));
            }
        }
    }

    /** Workers encode chunks of consecutive sprites; this thread hands the chunks to the sink in order. */
    private void forEachOnWorkers(Consumer<Sprite> sink, int workers) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(workers, workerThreads());
        try {
            ArrayDeque<Future<Sprite[]>> chunksInOrder = new ArrayDeque<>();
            long next = 0;
            while (next < count || !chunksInOrder.isEmpty()) {
                while (next < count && chunksInOrder.size() < 2 * workers) {
                    long from = next;
                    long to = Math.min(count, from + CHUNK);
                    chunksInOrder.add(pool.submit(() -> chunk(from, to)));
                    next = to;
                }
                for (Sprite sprite : await(chunksInOrder.remove())) {
                    sink.accept(sprite);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private Sprite[] chunk(long from, long to) throws IOException {
        SpritePainter painter = new SpritePainter(sizePx);
        Sprite[] sprites = new Sprite[(int) (to - from)];
        try (PngEncoder encoder = new PngEncoder()) {
            for (long index = from; index < to; index++) {
                sprites[(int) (index - from)] = sprite(index, painter, encoder);
            }
        }
        return sprites;
    }

    private static Sprite[] await(Future<Sprite[]> chunk) throws IOException {
        try {
            return chunk.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while generating sprites");
            interrupted.initCause(e);
            throw interrupted;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw new IOException("generating synthetic sprites failed: " + io.getMessage(), io);
            }
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new UncheckedIOException(new IOException(cause));
        }
    }

    private static ThreadFactory workerThreads() {
        AtomicInteger number = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "synthetic-sprite-encoder-" + number.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /** The sprite at {@code index}: a pure function of the seed, the arguments and the index. */
    Sprite sprite(long index, SpritePainter painter, PngEncoder encoder) throws IOException {
        int classIndex = classOf(index);
        SplittableRandom random = new SplittableRandom(mix(seed, index));
        SpriteArchetype shape = SHAPES[classIndex % SHAPES.length];
        double hue = shape.hue() + REPEAT_HUE_SHIFT[classIndex / SHAPES.length];
        byte[] png = encoder.encode(painter.paint(shape, hue, random));
        String label = classNames.get(classIndex);
        return new Sprite(String.format(keyFormat, label, index), label, png, ContentTypes.PNG);
    }

    /**
     * Classes are dealt in rounds of {@code classes} sprites, each round a seeded permutation of all
     * classes: balanced to within one sprite, yet without a fixed cycle.
     */
    int classOf(long index) {
        long round = index / classes;
        int position = (int) (index % classes);
        int[] order = new int[classes];
        for (int i = 0; i < classes; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(mix(~seed, round));
        for (int i = classes - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order[position];
    }

    /** A well-mixed 64-bit seed for one (seed, index) pair (MurmurHash3's finaliser). */
    private static long mix(long seed, long index) {
        long z = seed * 0x9E3779B97F4A7C15L + index;
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9F34E3B5C53L;
        return z ^ (z >>> 33);
    }
}
