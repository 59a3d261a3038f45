package io.spritestream.producer.metrics;

/**
 * Every meter name the producer registers, in one place (the loader's are in its own
 * {@code LoaderMetricNames}). Names are Micrometer's dotted form; the comment of each gives the name
 * Prometheus serves (what the Grafana dashboard queries).
 */
public final class ProducerMetricNames {

    private ProducerMetricNames() {}

    /** {@code spritestream_producer_records_sent_total}: records acknowledged by Kafka. */
    public static final String PRODUCER_RECORDS_SENT = "spritestream.producer.records.sent";
    /** {@code spritestream_producer_bytes_sent_total}: value bytes of those records. */
    public static final String PRODUCER_BYTES_SENT = "spritestream.producer.bytes.sent";
    /** {@code spritestream_producer_send_errors_total}: records Kafka did not take. */
    public static final String PRODUCER_SEND_ERRORS = "spritestream.producer.send.errors";
    /** {@code spritestream_producer_send_seconds}: send to acknowledgement of one record. */
    public static final String PRODUCER_SEND = "spritestream.producer.send";

}
