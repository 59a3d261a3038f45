/**
 * The producer's meters: {@link ProducerMetrics}, a {@code ProduceListener} that records them with
 * Micrometer, and {@link ProducerMetricNames}, every name it registers.
 *
 * <p>May use {@code producer}, {@code metrics} and Micrometer. Never uses loader or broker code
 * ({@code PackageRulesTest}).
 */
package io.spritestream.producer.metrics;
