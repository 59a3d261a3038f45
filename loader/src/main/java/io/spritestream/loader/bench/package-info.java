/**
 * The {@code bench} command's measurements ({@link Bench}, {@link BenchReport}): the decode ceiling,
 * Kafka alone, the loader end to end and a naive baseline, with CPU use, allocations and direct
 * memory; {@link ColdStarts} times fresh JVMs.
 *
 * <p>May use {@code pipeline} and the layers below it, the shared packages, OpenCV (the decode
 * ceiling) and DJL (the baseline); nothing in the loader but {@code cli} uses it.
 */
package io.spritestream.loader.bench;
