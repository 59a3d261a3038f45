package io.spritestream.loader.cli;

import io.spritestream.cli.Cli;
import io.spritestream.loader.pipeline.StartupTimeline;
import io.spritestream.producer.cli.DatasetsCommand;
import io.spritestream.producer.cli.ProduceCommand;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code java -jar spritestream-loader.jar <command>}. */
@Command(name = "spritestream-loader", mixinStandardHelpOptions = true,
        versionProvider = io.spritestream.cli.Version.class,
        description = {"Streams sprite datasets from Kafka into zero-copy DJL batches.", "",
                "Start with 'demo': an embedded broker, a synthetic dataset, loading, a preview and a few training steps."})
public final class LoaderMain implements Runnable, Cli.Subcommands {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Override
    public Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("demo", DemoCommand::new);
        all.put("load", LoadCommand::new);
        all.put("train", TrainCommand::new);
        all.put("preview", PreviewCommand::new);
        all.put("bench", BenchCommand::new);
        all.put("feed", FeedCommand::new);
        all.put("evaluate", EvaluateCommand::new);
        all.put("cache", CacheCommand::new);
        all.put("broker", BrokerCommand::new);
        all.put("produce", ProduceCommand::new);
        all.put("datasets", DatasetsCommand::new);
        return all;
    }

    public static void main(String[] args) {
        StartupTimeline.mark("main");
        Runtimes.configure();
        Prestart.begin(args);
        System.exit(Cli.run(new LoaderMain(), args));
    }
}
