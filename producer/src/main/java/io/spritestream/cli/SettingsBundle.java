package io.spritestream.cli;

import io.spritestream.config.Setting;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.metrics.MetricsServer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.Map;

/**
 * Declared settings as a picocli resource bundle, so that options take their default and their
 * description from the one declaration of each setting ({@link Setting}) rather than repeating them:
 *
 * <pre>{@code
 * @Command(name = "load", resourceBundle = "io.spritestream.loader.cli.LoaderSettingsBundle")
 * ...
 * @Option(names = "--batch", defaultValue = "${bundle:batch.default}", descriptionKey = "batch.doc")
 * int batch;
 * }</pre>
 *
 * <p>Keys: {@code NAME.default}, the default as a user writes it (absent when it depends on the run);
 * {@code NAME.doc}, the doc with {@code (default: ${DEFAULT-VALUE})} (or, for a setting an environment
 * variable may give, {@code (default: $VARIABLE, else X)}). Keys carry a suffix on purpose:
 * picocli also looks an option's description up by its bare name, and a command whose option of
 * the same name means something else must keep its own text.
 *
 * <p>Every bundle serves the settings of the mixins any command may take ({@link #SHARED}: the
 * Kafka and metrics options), then its own; of two settings with one name the later is served, so a
 * command whose default differs lists its declaration after the one it replaces.
 */
public abstract class SettingsBundle extends ListResourceBundle {

    /** The settings of {@link KafkaOptions} and {@link MetricsOptions}. */
    public static final List<Setting<?>> SHARED = List.copyOf(concat(KafkaSettings.declared(), MetricsServer.declared()));

    /** The settings this bundle serves, after {@link #SHARED}. */
    protected abstract List<Setting<?>> settings();

    /** Every setting served, by name: the shared ones, then this bundle's (a later one replaces an earlier). */
    private Map<String, Setting<?>> served() {
        Map<String, Setting<?>> byName = new LinkedHashMap<>();
        for (Setting<?> s : concat(SHARED, settings())) {
            byName.remove(s.name());
            byName.put(s.name(), s);
        }
        return byName;
    }

    @Override
    protected final Object[][] getContents() {
        List<Object[]> entries = new ArrayList<>();
        for (Setting<?> s : served().values()) {
            if (s.defaultText() != null) {
                entries.add(new Object[] {s.name() + ".default", s.defaultText()});
            }
            String withDefault = s.environment() != null
                    ? s.doc() + " (default: $" + s.environment() + ", else " + s.defaultText() + ")"
                    : s.defaultText() != null && !s.type().equals(Boolean.class)
                    ? s.doc() + " (default: ${DEFAULT-VALUE})" : s.doc();
            entries.add(new Object[] {s.name() + ".doc", withDefault + "."});
        }
        return entries.toArray(new Object[0][]);
    }

    /** {@code first}'s settings, then {@code then}'s. */
    protected static List<Setting<?>> concat(List<Setting<?>> first, List<Setting<?>> then) {
        List<Setting<?>> all = new ArrayList<>(first);
        all.addAll(then);
        return all;
    }
}
