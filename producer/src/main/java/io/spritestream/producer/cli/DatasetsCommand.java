package io.spritestream.producer.cli;

import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.cli.KafkaOptions;
import io.spritestream.cli.VerboseOption;
import io.spritestream.kafka.KafkaSettings;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code datasets}: lists every dataset version in the catalog. */
@Command(name = "datasets", mixinStandardHelpOptions = true,
        description = "Lists dataset versions: name@version, records, classes, topic, creation time.")
public final class DatasetsCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    VerboseOption verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        KafkaSettings settings = kafka.settings();
        try (Admin admin = settings.newAdmin("spritestream-datasets")) {
            settings.requireReachable(admin);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<DatasetManifest> all = new DatasetCatalog(settings, err::println).list();
        err.flush();
        if (all.isEmpty()) {
            out.println("no datasets yet (produce one with the 'produce' command)");
            return 0;
        }
        out.printf("%-28s %10s %8s  %-32s %s%n", "DATASET@VERSION", "RECORDS", "CLASSES", "TOPIC", "CREATED");
        for (DatasetManifest m : all) {
            out.printf("%-28s %10d %8d  %-32s %s%n", m.key(), m.count(), m.classes().size(), m.topic(), m.created());
        }
        out.flush();
        return 0;
    }
}
