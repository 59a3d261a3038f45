/**
 * Real Kafka inside the JVM: {@link EmbeddedKafka}, a single-node KRaft broker (the loader's
 * {@code demo}, {@code broker} and {@code bench}, and every module's tests through the test jar's
 * {@code SharedKafka}), and {@link EmbeddedKafkaCluster}, several nodes as one cluster for the fault
 * tests.
 *
 * <p>Uses Kafka's server and no other spritestream code ({@code PackageRulesTest}).
 */
package io.spritestream.broker;
