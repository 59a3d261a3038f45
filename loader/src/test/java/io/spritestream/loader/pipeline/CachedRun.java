package io.spritestream.loader.pipeline;

import ai.djl.ndarray.NDManager;
import io.spritestream.catalog.DatasetRef;
import io.spritestream.kafka.KafkaSettings;
import io.spritestream.loader.batch.SpriteBatch;
import io.spritestream.loader.decode.Fit;
import io.spritestream.loader.decode.PixelSpec;
import io.spritestream.loader.replay.OrderSpec;
import io.spritestream.loader.replay.Remainder;
import io.spritestream.loader.testing.BatchDigest;
import java.io.BufferedWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A loading process with a decoded-sample cache, for tests that kill it or run two at once: loads
 * {@code epochs} shuffled epochs and writes each batch's {@link BatchDigest} to a log as it gets it,
 * taking {@code stepMs} per batch. Run in its own JVM by {@link CacheRunsTest}.
 *
 * <p>Arguments: bootstrap, dataset, seed, cache folder, digest log, epochs, step ms.
 */
public final class CachedRun {

    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        LoaderSettings settings = LoaderConfig.dataset(DatasetRef.parse(args[1]))
                .order(new OrderSpec(Long.parseLong(args[2]), true, 32, 64, Remainder.DROP)).cache(Path.of(args[3])).readAheadRecords(64).slabs(6)
                .epochs(Integer.parseInt(args[5])).batchSize(CacheRunsTest.BATCH)
                .pixels(new PixelSpec(CacheRunsTest.SIZE, CacheRunsTest.SIZE, 4, Fit.PAD)).threads(2).conclude();
        long stepNanos = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[6]));
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch");
             SpriteLoader loader = SpriteLoader.open(settings, KafkaSettings.of(args[0]), manager, LoaderListener.NONE);
             BufferedWriter log = Files.newBufferedWriter(Path.of(args[4]))) {
            for (SpriteBatch next = loader.next(); next != null; next = loader.next()) {
                try (SpriteBatch batch = next) {
                    log.write(BatchDigest.of(batch));
                    log.newLine();
                    log.flush();
                    LockSupport.parkNanos(stepNanos);
                }
            }
            System.out.println(loader.report().summary());
        }
    }
}
