package io.spritestream.loader.batch;

/**
 * Where the assembler sends records that did not become samples (a dead-letter topic, a counter),
 * in delivery order, on the assembler's thread.
 */
@FunctionalInterface
public interface RejectSink {
    /** Slot {@code slot} of {@code slots} was rejected; its reason and error are set. */
    void rejected(BatchSlots slots, int slot);
}
