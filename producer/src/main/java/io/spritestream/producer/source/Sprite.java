package io.spritestream.producer.source;

import io.spritestream.record.LabelRule;
import java.util.Objects;

/**
 * One sprite as a source hands it out: its sample id, its class name, and its encoded bytes,
 * untouched (for a folder source, exactly the file's bytes).
 *
 * @param key         sample id, unique within the dataset
 * @param label       class name ({@link LabelRule}: checked)
 * @param bytes       encoded image (PNG, JPEG, ...); owned by the receiver, not modified
 * @param contentType media type of {@code bytes}
 */
public record Sprite(String key, String label, byte[] bytes, String contentType) {
    public Sprite {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(label, "label");
        String problem = LabelRule.problem(label);
        if (problem != null) {
            throw new IllegalArgumentException("label of " + key + ": " + problem);
        }
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(contentType, "contentType");
    }
}
