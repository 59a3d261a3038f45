/**
 * The metrics pieces both jars use: {@link MetricsServer} (a Prometheus endpoint with the JVM's
 * meters, served by Undertow) and {@link KafkaClientBinding} (Micrometer's meters of one Kafka
 * client). Each jar's own meters live with it ({@code producer.metrics}, {@code loader.metrics}).
 *
 * <p>May use {@code config}, Micrometer, Undertow and Kafka's client. Never uses producer, loader or
 * broker code ({@code PackageRulesTest}).
 */
package io.spritestream.metrics;
