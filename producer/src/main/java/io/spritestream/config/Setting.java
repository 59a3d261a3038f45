package io.spritestream.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One setting, declared once: its name (the command line's option is {@code --name}), its default,
 * what it accepts and what it is for. Code that takes the setting checks values with
 * {@link #check}; the command line takes the default and the doc from the declaration (see
 * {@code SettingsBundle}), and a test holds the README's stated defaults to the declarations. A
 * command whose default differs declares it with {@link #withDefault}: the same rule, the same
 * message.
 *
 * <pre>{@code
 * public static final Setting<Integer> BATCH = Setting.integer("batch", 64, 1, 65536, "Samples per batch.");
 * ...
 * this.batch = BATCH.check(value);     // or: batch: 0 (expected 1..65536)
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 *
 * @param <T> the value's type
 */
public final class Setting<T> {

    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final String defaultText;
    private final Predicate<? super T> accepts;
    private final String expected;
    private final String doc;
    /** A value as a user writes it (how {@link #withDefault} gives its default's text). */
    private final Function<? super T, String> written;
    /** A rejected value as a message shows it. */
    private final Function<? super T, Object> shown;
    /** The environment variable that gives the default when set, or null. */
    private final String environment;

    private Setting(String name, Class<T> type, T defaultValue, String defaultText, Predicate<? super T> accepts,
                    String expected, String doc) {
        this(name, type, defaultValue, defaultText, accepts, expected, doc, String::valueOf, v -> v);
    }

    private Setting(String name, Class<T> type, T defaultValue, String defaultText, Predicate<? super T> accepts,
                    String expected, String doc, Function<? super T, String> written, Function<? super T, Object> shown) {
        this(name, type, defaultValue, defaultText, accepts, expected, doc, written, shown, null);
    }

    private Setting(String name, Class<T> type, T defaultValue, String defaultText, Predicate<? super T> accepts,
                    String expected, String doc, Function<? super T, String> written, Function<? super T, Object> shown,
                    String environment) {
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("setting name '" + name + "' (expected lower-case words joined by -)");
        }
        this.name = name;
        this.type = Objects.requireNonNull(type);
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.accepts = Objects.requireNonNull(accepts);
        this.expected = Objects.requireNonNull(expected);
        this.doc = Objects.requireNonNull(doc);
        this.written = Objects.requireNonNull(written);
        this.shown = Objects.requireNonNull(shown);
        this.environment = environment;
        if (defaultValue != null && !accepts.test(defaultValue)) {
            throw new IllegalArgumentException(name + ": default " + defaultValue + " is not accepted (" + expected + ")");
        }
    }

    /** An integer setting in {@code min..max}. */
    public static Setting<Integer> integer(String name, int defaultValue, int min, int max, String doc) {
        return new Setting<>(name, Integer.class, defaultValue, String.valueOf(defaultValue),
                v -> v != null && v >= min && v <= max, max == Integer.MAX_VALUE ? ">= " + min : min + ".." + max, doc);
    }

    /** A long setting in {@code min..max}. */
    public static Setting<Long> longInteger(String name, long defaultValue, long min, long max, String doc) {
        return new Setting<>(name, Long.class, defaultValue, String.valueOf(defaultValue),
                v -> v != null && v >= min && v <= max, max == Long.MAX_VALUE ? ">= " + min : min + ".." + max, doc);
    }

    /** A decimal setting in {@code min..max} (NaN is never accepted). */
    public static Setting<Double> decimal(String name, double defaultValue, double min, double max, String doc) {
        return new Setting<>(name, Double.class, defaultValue, number(defaultValue),
                v -> v != null && v >= min && v <= max, number(min) + ".." + number(max), doc, Setting::number, v -> v);
    }

    /** A finite decimal setting of at least {@code min} (NaN and the infinities are never accepted). */
    public static Setting<Double> decimal(String name, double defaultValue, double min, String doc) {
        return new Setting<>(name, Double.class, defaultValue, number(defaultValue),
                v -> v != null && v >= min && !v.isInfinite(), "a finite number >= " + number(min), doc, Setting::number,
                v -> v);
    }

    /**
     * A span of time written in whole seconds (e.g. a timeout), at least {@code minSeconds}; a message
     * shows a rejected value in seconds too ({@code broker-timeout: 0 (expected >= 1)}).
     */
    public static Setting<Duration> seconds(String name, long defaultSeconds, long minSeconds, String doc) {
        Duration min = Duration.ofSeconds(minSeconds);
        return new Setting<>(name, Duration.class, Duration.ofSeconds(defaultSeconds), String.valueOf(defaultSeconds),
                v -> v != null && v.compareTo(min) >= 0, ">= " + minSeconds, doc, Setting::seconds,
                v -> v.toNanosPart() == 0 ? (Object) v.toSeconds() : (Object) (v.toNanos() / 1e9));
    }

    /** A file or folder, {@code defaultPath} unless given. */
    public static Setting<Path> path(String name, String defaultPath, String doc) {
        return new Setting<>(name, Path.class, Path.of(defaultPath), defaultPath, Objects::nonNull, "a path", doc);
    }

    /** A switch, off unless given. */
    public static Setting<Boolean> flag(String name, String doc) {
        return new Setting<>(name, Boolean.class, false, "false", Objects::nonNull, "true or false", doc);
    }

    /** One of an enum's constants, written in lower case (e.g. {@code pad}). */
    public static <E extends Enum<E>> Setting<E> choice(String name, Class<E> type, E defaultValue, String doc) {
        StringBuilder names = new StringBuilder();
        E[] all = type.getEnumConstants();
        for (int i = 0; i < all.length; i++) {
            names.append(i == 0 ? "" : i == all.length - 1 ? " or " : ", ").append(lower(all[i]));
        }
        return new Setting<>(name, type, defaultValue, defaultValue == null ? null : lower(defaultValue),
                Objects::nonNull, names.toString(), doc, Setting::lower, v -> v);
    }

    /**
     * Any other setting: {@code accepts} decides, {@code expected} says what it accepts (it may name
     * other settings as {@code {name}}).
     *
     * @param defaultText the default as a user would write it (null: none, or one that depends on
     *                    the run, described in {@code doc})
     */
    public static <T> Setting<T> of(String name, Class<T> type, T defaultValue, String defaultText,
                                    Predicate<? super T> accepts, String expected, String doc) {
        return new Setting<>(name, type, defaultValue, defaultText, accepts, expected, doc);
    }

    /**
     * The same setting with a default that depends on where it runs (e.g. the number of cores),
     * described by {@code defaultDoc} rather than printed as a value.
     */
    public Setting<T> withRuntimeDefault(T value, String defaultDoc) {
        return new Setting<>(name, type, value, null, accepts, expected, doc + " (default: " + defaultDoc + ")",
                written, shown, environment);
    }

    /**
     * The same setting (name, rule, message, doc) with another default: what a command whose default
     * differs declares, e.g. {@code EPOCHS.withDefault(3)}.
     *
     * @throws IllegalArgumentException if the setting does not accept {@code value}
     */
    public Setting<T> withDefault(T value) {
        return new Setting<>(name, type, value, value == null ? null : written.apply(value), accepts, expected, doc,
                written, shown, environment);
    }

    /**
     * The same setting, its default given by the environment variable {@code variable} when that is
     * set (the declared default otherwise): the help says so ({@code (default: $VARIABLE, else X)}).
     * Whoever reads the setting reads the variable ({@link #environment()}).
     */
    public Setting<T> withEnvironment(String variable) {
        return new Setting<>(name, type, defaultValue, defaultText, accepts, expected, doc, written, shown, variable);
    }

    /** The environment variable that gives the default when set, or null if none does. */
    public String environment() {
        return environment;
    }

    /**
     * {@code value} if this setting accepts it.
     *
     * @throws InvalidSettingException naming the setting, the value and what was expected
     */
    public T check(T value) {
        if (!accepts.test(value)) {
            throw InvalidSettingException.of(name, value == null ? null : shown.apply(value), expected);
        }
        return value;
    }

    /** Whether this setting accepts {@code value} ({@link #check} without the exception). */
    public boolean accepts(T value) {
        return accepts.test(value);
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    /** The default as a user writes it, or null if it depends on the run (then the doc says what it is). */
    public String defaultText() {
        return defaultText;
    }

    /** What it accepts, e.g. {@code 1..65536}. */
    public String expected() {
        return expected;
    }

    /** One sentence on what it does. */
    public String doc() {
        return doc;
    }

    /** {@code 1} rather than {@code 1.0}; other values as Java writes them. */
    private static String number(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.valueOf((long) v) : String.valueOf(v);
    }

    /** {@code 30} for 30 s, {@code 0.5} for 500 ms. */
    private static String seconds(Duration d) {
        return d.toNanosPart() == 0 ? String.valueOf(d.toSeconds()) : number(d.toNanos() / 1e9);
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public String toString() {
        return name;
    }
}
