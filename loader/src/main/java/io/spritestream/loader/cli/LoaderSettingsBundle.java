package io.spritestream.loader.cli;

import io.spritestream.cli.SettingsBundle;
import io.spritestream.config.Setting;
import io.spritestream.loader.bench.Bench;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.pipeline.LoaderSettings;
import io.spritestream.loader.train.Checkpoints;
import io.spritestream.loader.train.DeviceChoice;
import io.spritestream.loader.train.SpriteDataset;
import io.spritestream.loader.train.SpriteTrainer;
import io.spritestream.producer.source.SyntheticSprites;
import java.util.ArrayList;
import java.util.List;

/**
 * The loader's declared settings as the resource bundle of its commands: an option of the same
 * meaning takes its default ({@code ${bundle:NAME.default}}) and description ({@code NAME.doc}) from
 * the one declaration (see {@link SettingsBundle}). This bundle serves {@code load}, {@code feed},
 * {@code preview} and {@code evaluate}; a command whose settings differ (another default for
 * {@code --epochs}, a {@code --size} that is the sprites') has a bundle of its own below.
 */
public class LoaderSettingsBundle extends SettingsBundle {

    /** Its name, for {@code @Command(resourceBundle = ...)}. */
    public static final String NAME = "io.spritestream.loader.cli.LoaderSettingsBundle";

    @Override
    protected List<Setting<?>> settings() {
        List<Setting<?>> all = new ArrayList<>(LoaderSettings.declared());
        all.add(FeedCommand.RING_DIR);
        all.addAll(PreviewCommand.declared());
        all.addAll(EvaluateCommand.declared());
        return all;
    }

    /** {@code train}: a loader run's settings, and the training run's (3 epochs unless told). */
    public static final class Train extends SettingsBundle {

        public static final String NAME = LoaderSettingsBundle.NAME + "$Train";

        @Override
        protected List<Setting<?>> settings() {
            return concat(LoaderSettings.declared(), List.of(SpriteTrainer.EPOCHS, SpriteTrainer.LEARNING_RATE,
                    SpriteDataset.PREFETCH, Checkpoints.KEEP, DeviceChoice.SETTING));
        }
    }

    /** {@code bench}: its own settings, those of the loader runs it measures, and the synthetic sprites'. */
    public static final class Benchmark extends SettingsBundle {

        public static final String NAME = LoaderSettingsBundle.NAME + "$Benchmark";

        @Override
        protected List<Setting<?>> settings() {
            return concat(List.of(LoaderSettings.BATCH, PixelSpec.CHANNELS),
                    concat(SyntheticSprites.declared(), Bench.Options.declared()));
        }
    }

    /** {@code demo}: its own settings and the synthetic sprites'. */
    public static final class Demo extends SettingsBundle {

        public static final String NAME = LoaderSettingsBundle.NAME + "$Demo";

        @Override
        protected List<Setting<?>> settings() {
            return concat(SyntheticSprites.declared(), DemoCommand.declared());
        }
    }

    /** {@code broker}: the local broker's settings. */
    public static final class Broker extends SettingsBundle {

        public static final String NAME = LoaderSettingsBundle.NAME + "$Broker";

        @Override
        protected List<Setting<?>> settings() {
            return BrokerCommand.declared();
        }
    }
}
