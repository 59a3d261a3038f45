/**
 * What the loader's tests share: real data on a real broker ({@link Datasets}), real batches without
 * Kafka ({@link SlabBatches}), hand-written PNGs with the pixels they must decode to ({@link TestPng}),
 * the loader in a JVM of its own ({@link LoaderProcess}), a real Prometheus ({@link PrometheusProcess}),
 * and independent readers of what the loader writes ({@link NpyFile}, {@link PrometheusText},
 * {@link BatchDigest}). Start at {@link Datasets}.
 *
 * <p>Test code: may use every module's code and test jars.
 */
package io.spritestream.loader.testing;
