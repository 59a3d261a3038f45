package io.spritestream.producer.cli;

import io.spritestream.cli.Cli;
import picocli.CommandLine.Command;

/** {@code java -jar spritestream-producer.jar <command>}. */
@Command(name = "spritestream-producer", mixinStandardHelpOptions = true,
        versionProvider = io.spritestream.cli.Version.class,
        description = "Streams sprites to Kafka, one record per sprite, and records dataset versions.",
        subcommands = {ProduceCommand.class, DatasetsCommand.class})
public final class ProducerMain implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new ProducerMain(), args));
    }
}
