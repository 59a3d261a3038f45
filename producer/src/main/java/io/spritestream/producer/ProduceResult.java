package io.spritestream.producer;

import io.spritestream.catalog.DatasetManifest;
import io.spritestream.config.Sizes;
import io.spritestream.producer.source.SkippedFile;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of a finished produce: the manifest written to the catalog and what it took.
 *
 * @param manifest       the new dataset version
 * @param records        records sent and acknowledged
 * @param bytes          value bytes sent
 * @param seconds        wall time of the whole produce, from connecting to the manifest recorded (the
 *                       clock a progress bar started with the produce also runs on)
 * @param sendingSeconds the part of it spent sending records and waiting for their acknowledgements
 * @param skipped        what the source found and did not send (a folder's other files), with why
 * @param suspect        the records sent whose bytes the header check found wrong, in the order sent
 */
public record ProduceResult(DatasetManifest manifest, long records, long bytes, double seconds,
                            double sendingSeconds, List<SkippedFile> skipped, List<SuspectRecord> suspect) {

    public ProduceResult {
        skipped = List.copyOf(skipped);
        suspect = List.copyOf(suspect);
    }

    /**
     * The warning line that counts and names the suspect records sent, with their reasons
     * ({@code warning: 2 suspect files sent (...): cat/fake.png (text, not a PNG), ...}), or empty
     * if none was.
     */
    public Optional<String> suspectWarning() {
        if (suspect.isEmpty()) {
            return Optional.empty();
        }
        List<String> named = suspect.stream().map(s -> s.key() + " (" + s.reason() + ")").toList();
        return Optional.of("warning: " + suspect.size() + " suspect " + (suspect.size() == 1 ? "file" : "files")
                + " sent (the loader dead-letters what it cannot decode): " + SkippedFile.firstNames(named));
    }

    /**
     * One line for the console, e.g. {@code produced 20000 records (4.5 MB) to sprites.demo in 2.1 s
     * (9524 records/s; 1.6 s of it sending); dataset demo@1}.
     */
    public String summary() {
        return String.format(java.util.Locale.ROOT,
                "produced %d records (%s) to %s in %.1f s (%.0f records/s; %.1f s of it sending); dataset %s",
                records, Sizes.bytes(bytes), manifest.topic(), seconds, seconds > 0 ? records / seconds : 0.0,
                sendingSeconds, manifest.key());
    }
}
