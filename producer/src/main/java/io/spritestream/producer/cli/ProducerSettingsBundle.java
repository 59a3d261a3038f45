package io.spritestream.producer.cli;

import io.spritestream.cli.SettingsBundle;
import io.spritestream.config.Setting;
import io.spritestream.producer.ProduceRequest;
import java.util.List;

/** The producer's declared settings as the resource bundle of {@code produce} (see {@link SettingsBundle}). */
public final class ProducerSettingsBundle extends SettingsBundle {

    @Override
    protected List<Setting<?>> settings() {
        return List.of(ProduceRequest.PARTITIONS, ProduceRequest.RATE);
    }
}
