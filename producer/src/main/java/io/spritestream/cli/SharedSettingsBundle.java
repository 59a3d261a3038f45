package io.spritestream.cli;

import io.spritestream.config.Setting;
import java.util.List;

/**
 * The bundle of the shared mixins ({@link KafkaOptions}, {@link MetricsOptions}) themselves: a
 * command without a bundle of its own takes it from them, so their defaults and docs hold in any
 * command. A command with a bundle serves them itself (every {@link SettingsBundle} serves
 * {@link SettingsBundle#SHARED}).
 */
public final class SharedSettingsBundle extends SettingsBundle {

    /** Its name, for {@code @Command(resourceBundle = ...)}. */
    public static final String NAME = "io.spritestream.cli.SharedSettingsBundle";

    @Override
    protected List<Setting<?>> settings() {
        return List.of();
    }
}
