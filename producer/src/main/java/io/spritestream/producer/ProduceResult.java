package io.spritestream.producer;

import io.spritestream.catalog.DatasetManifest;

/**
 * The outcome of a finished produce: the manifest written to the catalog and what it took.
 *
 * @param manifest the new dataset version
 * @param records  records sent and acknowledged
 * @param bytes    value bytes sent
 * @param seconds  wall time of the sending
 */
public record ProduceResult(DatasetManifest manifest, long records, long bytes, double seconds) {

    /** One line for the console, e.g. {@code produced 20000 records (12.3 MB) ... in 2.1 s}. */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "produced %d records (%.1f MB) to %s in %.1f s (%.0f records/s); dataset %s",
                records, bytes / 1e6, manifest.topic(), seconds, seconds > 0 ? records / seconds : 0.0,
                manifest.key());
    }
}
