package io.spritestream.config;

/**
 * An exception whose message names settings: the command line shows it with the settings as its
 * options ({@link SettingText#forCommandLine()}), the Java API as {@link Throwable#getMessage()}
 * ({@link SettingText#plain()}).
 */
public interface NamesSettings {

    /** The message, to be rendered by whoever shows it. */
    SettingText settingText();

    /**
     * The message of {@code error} as the command line shows it: the first exception in its cause
     * chain that names settings, rendered with options; {@code null} if none does.
     */
    static String forCommandLine(Throwable error) {
        SettingText text = first(error);
        return text == null ? null : text.forCommandLine();
    }

    /**
     * The message of {@code error} as a Python caller is shown it, settings as its keyword arguments
     * ({@link SettingText#forKeywords()}); {@code null} if no exception in its cause chain names settings.
     */
    static String forKeywords(Throwable error) {
        SettingText text = first(error);
        return text == null ? null : text.forKeywords();
    }

    private static SettingText first(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof NamesSettings named) {
                return named.settingText();
            }
        }
        return null;
    }
}
