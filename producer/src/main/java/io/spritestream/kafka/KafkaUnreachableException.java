package io.spritestream.kafka;

import io.spritestream.config.NamesSettings;
import io.spritestream.config.SettingText;

/** Kafka did not answer within the time bound; the message is one line meant for the user. */
public final class KafkaUnreachableException extends RuntimeException implements NamesSettings {

    private final SettingText text;

    public KafkaUnreachableException(String message, Throwable cause) {
        this(SettingText.literal(message), cause);
    }

    /** A message that names settings (e.g. the timeout to raise), shown as options on the command line. */
    public KafkaUnreachableException(SettingText text, Throwable cause) {
        super(text.plain(), cause);
        this.text = text;
    }

    @Override
    public SettingText settingText() {
        return text;
    }
}
