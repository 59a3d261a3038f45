/**
 * The loader's meters: {@link LoaderMetrics}, the Micrometer binder that reads the pipeline's views
 * and listens to its events, and {@link LoaderMetricNames}, every name it registers.
 *
 * <p>May use {@code pipeline}, {@code ingest}, {@code cache}, {@code decode}, {@code memory}, the
 * shared {@code metrics}, Micrometer (no other loader package may) and Kafka's client metrics.
 */
package io.spritestream.loader.metrics;
