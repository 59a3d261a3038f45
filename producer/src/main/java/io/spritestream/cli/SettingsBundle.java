package io.spritestream.cli;

import io.spritestream.config.Setting;
import java.util.ArrayList;
import java.util.List;
import java.util.ListResourceBundle;

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
 * {@code NAME.doc}, the doc with {@code (default: ${DEFAULT-VALUE})}. Keys carry a suffix on purpose:
 * picocli also looks an option's description up by its bare name, and a command whose option of
 * the same name means something else must keep its own text.
 */
public abstract class SettingsBundle extends ListResourceBundle {

    /** The settings this bundle serves. */
    protected abstract List<Setting<?>> settings();

    @Override
    protected final Object[][] getContents() {
        List<Object[]> entries = new ArrayList<>();
        for (Setting<?> s : settings()) {
            if (s.defaultText() != null) {
                entries.add(new Object[] {s.name() + ".default", s.defaultText()});
            }
            String withDefault = s.defaultText() != null && !s.type().equals(Boolean.class)
                    ? s.doc() + " (default: ${DEFAULT-VALUE})" : s.doc();
            entries.add(new Object[] {s.name() + ".doc", withDefault + "."});
        }
        return entries.toArray(new Object[0][]);
    }
}
