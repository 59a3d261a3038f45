package io.spritestream.loader.testing;

import ai.djl.ndarray.NDManager;
import io.spritestream.loader.batch.BatchAssembler;
import io.spritestream.loader.batch.BatchSlots;
import io.spritestream.loader.batch.LabelIndex;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.memory.LeakDetection;
import io.spritestream.loader.memory.SlabLayout;
import io.spritestream.loader.memory.SlabPool;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Real {@link SpriteBatch}es over a real slab pool without Kafka or decoding: sample {@code n} of the
 * stream has label {@code n mod classes} and pixels of its class's colour plus noise. For the stages
 * after the loader.
 */
public final class SlabBatches implements AutoCloseable {

    private final SlabLayout layout;
    private final SlabPool pool;
    private final BatchAssembler assembler;
    private final List<String> classes;
    private final SplittableRandom random = new SplittableRandom(11);
    private long next;

    public SlabBatches(NDManager manager, SlabLayout layout, int slabs, List<String> classes) {
        this.layout = layout;
        this.pool = new SlabPool(layout, slabs, LeakDetection.PARANOID);
        this.classes = classes;
        this.assembler = new BatchAssembler(manager, new LabelIndex(classes), (slots, slot) -> { }, false);
    }

    public SlabPool pool() {
        return pool;
    }

    /** The next full batch of {@code epoch} (waits for a free slab). */
    public SpriteBatch next(int epoch) throws InterruptedException {
        BatchSlots slots = new BatchSlots(pool.acquire("filling, epoch " + epoch), epoch);
        ByteBuffer memory = slots.lease().memory();
        for (int i = 0; i < layout.batch(); i++) {
            long n = next++;
            int label = (int) (n % classes.size());
            slots.add(n, 0, n, 0, ByteBuffer.wrap(("s/" + n).getBytes(StandardCharsets.UTF_8)),
                    classes.get(label).getBytes(StandardCharsets.UTF_8), null);
            for (int b = 0; b < layout.sampleBytes(); b++) {
                int channel = b % layout.channels();
                memory.put(layout.slotOffset(i) + b, (byte) (label * 53 + channel * 97 + random.nextInt(24)));
            }
        }
        slots.seal(layout.batch());
        slots.chunkDone();
        return assembler.accept(slots);
    }

    @Override
    public void close() {
        pool.close();
    }
}
