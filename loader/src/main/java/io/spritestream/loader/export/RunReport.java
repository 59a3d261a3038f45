package io.spritestream.loader.export;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --report-json FILE}: what a run did. {@code records_read = samples - repeated + dead_lettered
 * + dropped} always holds: nothing read is unaccounted for ({@code repeated} is non-zero only when a
 * sharded run repeats a sample in place of a dead letter, to keep the ranks' batches equal).
 * {@code dead_letters}: the distinct records dead-lettered, in order, the first 1,000 (key, partition,
 * offset, reason, error). {@code startup}: seconds from the process's start to each step of its start that it reached
 * ({@code main}, {@code command}, {@code resolved}, {@code started}, {@code first_batch}, {@code last_batch}).
 */
@JsonPropertyOrder({"samples", "batches", "epochs", "partial_epoch", "seconds", "samples_per_s", "dead_lettered",
        "dead_letter_reasons", "dead_letters", "records_read", "dropped", "repeated", "cache_hits", "cache_misses",
        "cache_corrupt", "dataset", "topic", "startup"})
public record RunReport(
        @JsonProperty("samples") long samples,
        @JsonProperty("batches") long batches,
        @JsonProperty("epochs") long epochs,
        @JsonProperty("partial_epoch") boolean partialEpoch,
        @JsonProperty("seconds") double seconds,
        @JsonProperty("samples_per_s") double samplesPerSecond,
        @JsonProperty("dead_lettered") long deadLettered,
        @JsonProperty("dead_letter_reasons") Map<String, Long> deadLetterReasons,
        @JsonProperty("dead_letters") java.util.List<DeadLetterEntry> deadLetters,
        @JsonProperty("records_read") long recordsRead,
        @JsonProperty("dropped") long dropped,
        @JsonProperty("repeated") long repeated,
        @JsonProperty("cache_hits") long cacheHits,
        @JsonProperty("cache_misses") long cacheMisses,
        @JsonProperty("cache_corrupt") long cacheCorrupt,
        @JsonProperty("dataset") String dataset,
        @JsonProperty("topic") String topic,
        @JsonProperty("startup") Map<String, Double> startup) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public void write(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), this);
    }

    /**
     * The records the run dead-lettered, for the console: the first few named, or null if none. The
     * report names up to 1,000 ({@code dead_letters}); the dead-letter topic holds them all.
     */
    public String deadLetterLine(String deadLetterTopic) {
        if (deadLetters == null || deadLetters.isEmpty()) {
            return null;
        }
        StringBuilder line = new StringBuilder("dead letters (in ").append(deadLetterTopic).append("): ");
        int shown = Math.min(3, deadLetters.size());
        for (int i = 0; i < shown; i++) {
            line.append(i == 0 ? "" : "; ").append(deadLetters.get(i).describe());
        }
        if (deadLetters.size() > shown) {
            line.append("; and ").append(deadLetters.size() - shown).append(" more")
                    .append(deadLetters.size() >= 1000 ? " or so" : "").append(" (named in --report-json)");
        }
        return line.toString();
    }

    /** One line for the console. */
    public String summary() {
        String dead = deadLettered == 0 ? "no dead letters" : deadLettered + " dead-lettered " + deadLetterReasons;
        String cache = cacheHits + cacheMisses == 0 ? ""
                : String.format(Locale.ROOT, "; decoded cache: %d hits, %d decoded%s", cacheHits, cacheMisses,
                        cacheCorrupt == 0 ? "" : ", " + cacheCorrupt + " damaged (decoded again)");
        return String.format(Locale.ROOT, "delivered %d samples in %d batches over %s in %.2f s: %.0f samples/s; %s%s",
                samples, batches, epochsText(), seconds, samplesPerSecond, dead, cache);
    }

    /** {@code 2 epoch(s)}, {@code part of an epoch}, {@code 2 epoch(s) and part of another}. */
    private String epochsText() {
        if (!partialEpoch) {
            return epochs + " epoch(s)";
        }
        return epochs == 0 ? "part of an epoch" : epochs + " epoch(s) and part of another";
    }
}
