package io.spritestream.loader.replay;

import ai.djl.ndarray.NDManager;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.SpriteLoader;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A training process to kill: loads one epoch with {@code --save-state}, writes each batch's keys to
 * a log as it receives them, and takes its time per batch like a trainer would. Run in its own JVM
 * by {@link ReplayTest}.
 *
 * <p>Arguments: bootstrap, dataset, seed, state file, keys log.
 */
public final class KillableRun {

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        LoaderConfig config = LoaderConfig.dataset(DatasetRef.parse(args[1]))
                .order(new OrderSpec(Long.parseLong(args[2]), true, 32, 64, Remainder.DROP))
                .batchSize(16).pixels(new PixelSpec(16, 16, 4, Fit.PAD)).threads(2).saveState(Path.of(args[3]));
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(config, KafkaSettings.of(args[0]), manager);
             BufferedWriter log = Files.newBufferedWriter(Path.of(args[4]))) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    for (int i = 0; i < batch.size(); i++) {
                        log.write(batch.key(i));
                        log.newLine();
                    }
                    log.flush();
                    // A training step's worth of time, so the process is killed mid-epoch.
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(40));
                }
            }
        }
    }
}
