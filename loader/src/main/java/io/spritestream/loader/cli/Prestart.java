package io.spritestream.loader.cli;

import io.spritestream.loader.decode.SpriteDecoder;
import io.spritestream.loader.ingest.KafkaClasses;
import java.util.Set;

/**
 * Start-up work a loading command will need, begun on a second thread as the process starts: while
 * the main thread builds the command line (picocli's reflection) and connects to Kafka, this one
 * starts DJL's PyTorch engine (for the commands that train), and initialises Kafka's client classes,
 * the catalog's JSON reader and OpenCV (its native library and one decode). Whatever it has not finished when the main thread gets there, the main thread waits
 * for (class initialisation is done once, under a lock) or does itself; a failure here is left for
 * the main thread to meet and report.
 */
final class Prestart {

    /** The commands that read and decode sprites. */
    private static final Set<String> LOADING = Set.of("load", "feed", "train", "preview", "evaluate", "bench", "demo");
    /** Those that also need DJL's PyTorch engine (a native library of 430 MB, about a second to start). */
    private static final Set<String> TRAINING = Set.of("train", "evaluate", "demo");

    private Prestart() {}

    /** Begins the work if {@code args} name a loading command. */
    static void begin(String[] args) {
        if (args.length == 0 || !LOADING.contains(args[0]) || java.util.Arrays.asList(args).contains("--help")) {
            return;
        }
        boolean engine = TRAINING.contains(args[0]);
        Thread t = new Thread(() -> run(engine), "spritestream-prestart");
        t.setDaemon(true);
        t.start();
    }

    private static void run(boolean engine) {
        try {
            if (engine) {
                ai.djl.engine.Engine.getEngine("PyTorch"); // the longest step first: its own native threads help
            }
            KafkaClasses.preload();
            Class.forName("io.spritestream.catalog.DatasetCatalog", true, Prestart.class.getClassLoader());
            SpriteDecoder.warmUp();
        } catch (Throwable e) {
            // The main thread meets the same problem where it can say what it means.
        }
    }
}
