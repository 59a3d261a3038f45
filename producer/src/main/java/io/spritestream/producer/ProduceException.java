package io.spritestream.producer;

import io.spritestream.config.NamesSettings;
import io.spritestream.config.SettingText;

/** Producing failed; the message is one line meant for the user. */
public final class ProduceException extends RuntimeException implements NamesSettings {

    private final SettingText text;

    public ProduceException(String message, Throwable cause) {
        this(SettingText.literal(message), cause);
    }

    /** A message that names settings (shown as options on the command line). */
    public ProduceException(SettingText text, Throwable cause) {
        super(text.plain(), cause);
        this.text = text;
    }

    @Override
    public SettingText settingText() {
        return text;
    }
}
