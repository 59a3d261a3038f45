package io.spritestream.loader.cli;

import io.spritestream.cli.Cli;
import io.spritestream.producer.cli.DatasetsCommand;
import io.spritestream.producer.cli.ProduceCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code java -jar spritestream-loader.jar <command>}. */
@Command(name = "spritestream-loader", mixinStandardHelpOptions = true,
        versionProvider = io.spritestream.cli.Version.class,
        description = {"Streams sprite datasets from Kafka into zero-copy DJL batches.", "",
                "Start with 'demo': an embedded broker, a synthetic dataset, loading, a preview and a few training steps."},
        subcommands = {DemoCommand.class, LoadCommand.class, TrainCommand.class, PreviewCommand.class, BenchCommand.class,
                FeedCommand.class, EvaluateCommand.class, CacheCommand.class, BrokerCommand.class, ProduceCommand.class, DatasetsCommand.class})
public final class LoaderMain implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        Runtimes.configure();
        System.exit(Cli.run(new LoaderMain(), args));
    }
}
