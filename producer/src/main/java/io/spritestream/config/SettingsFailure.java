package io.spritestream.config;

/**
 * A failure at run time (not a bad value) whose message names settings, e.g. a port already in use
 * and the settings that choose another; the command line shows them as options.
 */
public class SettingsFailure extends IllegalStateException implements NamesSettings {

    private final SettingText text;

    public SettingsFailure(SettingText text, Throwable cause) {
        super(text.plain(), cause);
        this.text = text;
    }

    @Override
    public SettingText settingText() {
        return text;
    }
}
