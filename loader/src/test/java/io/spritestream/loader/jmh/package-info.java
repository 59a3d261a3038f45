/**
 * JMH micro-benchmarks of the hot path: decoding a sprite into a slot ({@link DecodeBenchmark}), a
 * slab taken and given back ({@link SlabPoolBenchmark}), a batch's views and assembly
 * ({@link BatchBenchmark}). Run with {@code mvn -pl loader -am -P jmh -DskipTests verify}; they
 * measure and assert nothing (the tests assert).
 */
package io.spritestream.loader.jmh;
