package io.spritestream.loader.batch;

import ai.djl.ndarray.NDManager;
import io.spritestream.loader.memory.SlabPool;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Drives a {@link BatchAssembler} with a full, decoded slab, for benchmarks. */
public final class BatchAssemblerProbe {

    private static final byte[] LABEL = "ball".getBytes(StandardCharsets.UTF_8);
    private static final ByteBuffer KEY = ByteBuffer.wrap("synthetic/ball/00001".getBytes(StandardCharsets.UTF_8));

    private final SlabPool pool;
    private final BatchAssembler assembler;

    public BatchAssemblerProbe(NDManager manager, SlabPool pool) {
        this.pool = pool;
        this.assembler = new BatchAssembler(manager, new LabelIndex(List.of("ball", "cross")), (s, i) -> { }, false);
    }

    /** Fills a slab's metadata as the reader would, assembles the batch, closes it; returns its size. */
    public int assembleAndClose() throws InterruptedException {
        BatchSlots slots = new BatchSlots(pool.acquire("bench"), 0);
        for (int i = 0; i < slots.capacity; i++) {
            slots.add(i, 0, i, i, KEY, LABEL, null);
        }
        slots.seal(slots.capacity);
        slots.chunkDone();
        try (SpriteBatch batch = assembler.accept(slots)) {
            return batch.size();
        }
    }
}
