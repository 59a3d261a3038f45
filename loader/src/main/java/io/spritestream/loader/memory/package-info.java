/**
 * The loader's bottom layer: fixed direct-memory slabs in a {@link SlabPool}, handed out as
 * {@link SlabLease}s with one owner at a time, laid out by {@link SlabLayout}; closing the pool with
 * leases out fails and names them (how much it records: {@link LeakDetection}). Start at
 * {@link SlabPool}.
 *
 * <p>Uses no other loader layer and no outside library (README, "How it works").
 */
package io.spritestream.loader.memory;
