package io.spritestream.config;

/**
 * A setting's value is not one it accepts, or settings do not go together. The message names the
 * setting, the value and what was expected ({@code batch: 0 (expected 1..65536)}); on the command
 * line the same message names the option ({@code --batch: 0 (expected 1..65536)}) and the command
 * exits with its usage code.
 */
public class InvalidSettingException extends IllegalArgumentException implements NamesSettings {

    private final SettingText text;

    public InvalidSettingException(SettingText text) {
        super(text.plain());
        this.text = text;
    }

    /**
     * {@code setting: value (expected ...)}, a String or a path quoted.
     *
     * @param expected what would have been accepted; our own text, which may name other settings as
     *                 {@code {name}} (the value is always taken literally)
     */
    public static InvalidSettingException of(String setting, Object value, String expected) {
        Object shown = value instanceof CharSequence || value instanceof java.nio.file.Path ? "'" + value + "'" : value;
        return new InvalidSettingException(SettingText.format("{" + setting + "}: %s (expected " + expected + ")", shown));
    }

    /** A message in {@link SettingText#format} form. */
    public static InvalidSettingException format(String pattern, Object... values) {
        return new InvalidSettingException(SettingText.format(pattern, values));
    }

    @Override
    public SettingText settingText() {
        return text;
    }
}
