package io.spritestream.catalog;

import io.spritestream.config.InvalidSettingException;
import io.spritestream.record.SpriteRecords;
import java.util.OptionalInt;

/**
 * A reference to a dataset version as users write it: {@code NAME} (the latest version) or
 * {@code NAME@VERSION}.
 */
public record DatasetRef(String name, OptionalInt version) {

    /**
     * Parses {@code NAME} or {@code NAME@VERSION}.
     *
     * @throws InvalidSettingException naming the setting ({@code dataset}), the value and the expected form
     */
    public static DatasetRef parse(String text) {
        if (text == null || text.isBlank()) {
            throw InvalidSettingException.of("dataset", text, "NAME or NAME@VERSION");
        }
        int at = text.lastIndexOf('@');
        if (at < 0) {
            return new DatasetRef(SpriteRecords.requireValidDatasetName(text), OptionalInt.empty());
        }
        String name = SpriteRecords.requireValidDatasetName(text.substring(0, at));
        String v = text.substring(at + 1);
        try {
            int version = Integer.parseInt(v);
            if (version < 1) {
                throw new NumberFormatException();
            }
            return new DatasetRef(name, OptionalInt.of(version));
        } catch (NumberFormatException e) {
            throw InvalidSettingException.of("dataset", text, "NAME@VERSION with VERSION >= 1");
        }
    }

    @Override
    public String toString() {
        return version.isPresent() ? name + "@" + version.getAsInt() : name;
    }
}
