package io.spritestream.producer.cli;

import io.spritestream.cli.SettingsBundle;
import io.spritestream.config.Setting;
import io.spritestream.producer.ProduceRequest;
import io.spritestream.producer.source.SyntheticSprites;
import java.util.List;

/**
 * The producer's declared settings as the resource bundle of {@code produce} and {@code datasets}
 * (see {@link SettingsBundle}).
 */
public final class ProducerSettingsBundle extends SettingsBundle {

    /** Its name, for {@code @Command(resourceBundle = ...)}. */
    public static final String NAME = "io.spritestream.producer.cli.ProducerSettingsBundle";

    @Override
    protected List<Setting<?>> settings() {
        return concat(List.of(ProduceRequest.PARTITIONS, ProduceRequest.RATE), SyntheticSprites.declared());
    }
}
