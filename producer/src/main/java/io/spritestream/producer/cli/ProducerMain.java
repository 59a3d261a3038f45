package io.spritestream.producer.cli;

import io.spritestream.cli.Cli;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Command;

/** {@code java -jar spritestream-producer.jar <command>}. */
@Command(name = "spritestream-producer", mixinStandardHelpOptions = true,
        versionProvider = io.spritestream.cli.Version.class,
        description = "Streams sprites to Kafka, one record per sprite, and records dataset versions.")
public final class ProducerMain implements Runnable, Cli.Subcommands {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Override
    public Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> all = new LinkedHashMap<>();
        all.put("produce", ProduceCommand::new);
        all.put("datasets", DatasetsCommand::new);
        return all;
    }

    public static void main(String[] args) {
        System.exit(Cli.run(new ProducerMain(), args));
    }
}
