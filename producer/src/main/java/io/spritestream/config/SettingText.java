package io.spritestream.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A message that names settings. The Java API shows a setting by its name ({@code batch}); the
 * command line, where every setting is an option of the same name, shows the option
 * ({@code --batch}). Code outside the command line writes messages once, as a {@link #format}
 * pattern, and each side renders them its own way.
 *
 * <pre>{@code
 * SettingText.format("{rank}: %s (expected 0..%s for {world-size} %s)", rank, worldSize - 1, worldSize)
 *     .plain()            // rank: 3 (expected 0..1 for world-size 2)
 *     .forCommandLine()   // --rank: 3 (expected 0..1 for --world-size 2)
 * }</pre>
 *
 * <p>Immutable. Values given to {@link #format} are taken literally: a value that holds braces (a
 * path such as {@code state-{rank}.json}) is never read as a setting name.
 */
public final class SettingText {

    private static final Pattern NAME = Pattern.compile("\\{([a-z][a-z0-9-]*)}");

    /** Literal text, or (if {@code setting}) a setting's name. */
    private record Part(String text, boolean setting) {}

    private final List<Part> parts;

    private SettingText(List<Part> parts) {
        this.parts = List.copyOf(parts);
    }

    /**
     * A message from {@code pattern}: {@code {name}} names a setting, each {@code %s} takes the next
     * of {@code values} literally ({@code String.valueOf}).
     *
     * @throws IllegalArgumentException if the pattern's {@code %s} and the values do not match in number
     */
    public static SettingText format(String pattern, Object... values) {
        String[] pieces = pattern.split("%s", -1);
        if (pieces.length - 1 != values.length) {
            throw new IllegalArgumentException("pattern '" + pattern + "' has " + (pieces.length - 1) + " %s for "
                    + values.length + " values");
        }
        List<Part> parts = new ArrayList<>();
        for (int i = 0; i < pieces.length; i++) {
            Matcher m = NAME.matcher(pieces[i]);
            int at = 0;
            while (m.find()) {
                parts.add(new Part(pieces[i].substring(at, m.start()), false));
                parts.add(new Part(m.group(1), true));
                at = m.end();
            }
            parts.add(new Part(pieces[i].substring(at), false));
            if (i < values.length) {
                parts.add(new Part(String.valueOf(values[i]), false));
            }
        }
        return new SettingText(parts);
    }

    /** A message that names no setting, taken literally. */
    public static SettingText literal(String message) {
        return new SettingText(List.of(new Part(String.valueOf(message), false)));
    }

    /** The message with settings by name, e.g. {@code batch: 0 (expected 1..65536)}. */
    public String plain() {
        return render("");
    }

    /** The message with settings as options, e.g. {@code --batch: 0 (expected 1..65536)}. */
    public String forCommandLine() {
        return render("--");
    }

    /**
     * The message with settings as the keyword arguments of a Python caller (the PyTorch package's
     * {@code SpriteStream}), e.g. {@code batch=0 (expected 1..65536)}, {@code ... as ring_dir=}.
     */
    public String forKeywords() {
        StringBuilder sb = new StringBuilder();
        boolean afterSetting = false;
        for (Part p : parts) {
            if (p.setting()) {
                sb.append(p.text().replace('-', '_')).append('=');
            } else {
                sb.append(afterSetting && p.text().startsWith(": ") ? p.text().substring(2) : p.text());
            }
            afterSetting = p.setting();
        }
        return sb.toString();
    }

    /** The settings the message names, in order. */
    public List<String> settings() {
        return parts.stream().filter(Part::setting).map(Part::text).toList();
    }

    private String render(String prefix) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (p.setting()) {
                sb.append(prefix);
            }
            sb.append(p.text());
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return plain();
    }
}
