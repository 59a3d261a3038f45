package io.spritestream.loader.export;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * One record a run could not make a sample of, as its report names it: where it is, its key (as
 * text, or null), why ({@code reason}, the dead-letter code) and the decoder's or check's words.
 */
@JsonPropertyOrder({"key", "partition", "offset", "reason", "error"})
public record DeadLetterEntry(
        @JsonProperty("key") String key,
        @JsonProperty("partition") int partition,
        @JsonProperty("offset") long offset,
        @JsonProperty("reason") String reason,
        @JsonProperty("error") String error) {

    /** {@code key (reason: error)}, for the console (control characters escaped by the caller). */
    public String describe() {
        return (key == null ? partition + "/" + offset : key) + " (" + reason + (error == null ? "" : ": " + error) + ")";
    }
}
