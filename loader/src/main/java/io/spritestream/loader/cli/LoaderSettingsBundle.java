package io.spritestream.loader.cli;

import io.spritestream.cli.SettingsBundle;
import io.spritestream.config.Setting;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.train.SpriteDataset;
import io.spritestream.loader.train.SpriteTrainer;
import java.util.ArrayList;
import java.util.List;

/**
 * The loader's declared settings as the resource bundle of its commands: an option of the same
 * meaning takes its default ({@code ${bundle:NAME.default}}) and description ({@code NAME.doc}) from
 * the one declaration (see {@link SettingsBundle}).
 */
public final class LoaderSettingsBundle extends SettingsBundle {

    /** Its name, for {@code @Command(resourceBundle = ...)}. */
    public static final String NAME = "io.spritestream.loader.cli.LoaderSettingsBundle";

    @Override
    protected List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(LoaderSettings.declared());
        all.add(SpriteDataset.PREFETCH);
        all.add(SpriteTrainer.LEARNING_RATE);
        return all;
    }
}
