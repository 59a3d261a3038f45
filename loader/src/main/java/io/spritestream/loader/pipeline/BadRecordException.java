package io.spritestream.loader.pipeline;

import io.spritestream.config.NamesSettings;
import io.spritestream.config.SettingText;

/** {@code on-bad-record fail}: the run stopped at a record that could not become a sample. */
public final class BadRecordException extends RuntimeException implements NamesSettings {

    private final SettingText text;

    public BadRecordException(SettingText text) {
        super(text.plain());
        this.text = text;
    }

    @Override
    public SettingText settingText() {
        return text;
    }
}
