package io.spritestream.producer.cli;

import io.spritestream.catalog.DatasetCatalog;
import io.spritestream.catalog.DatasetManifest;
import io.spritestream.catalog.Unrecorded;
import io.spritestream.cli.Printable;
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
@Command(name = "datasets", mixinStandardHelpOptions = true, resourceBundle = ProducerSettingsBundle.NAME,
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
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        List<Unrecorded> unrecorded;
        List<DatasetManifest> all;
        try (Admin admin = settings.newAdmin("spritestream-datasets")) {
            settings.requireReachable(admin);
            all = new DatasetCatalog(settings, err::println).list();
            err.flush();
            unrecorded = Unrecorded.find(settings, admin, all);
        }
        if (all.isEmpty()) {
            out.println("no datasets yet (produce one with the 'produce' command)");
        } else {
            out.printf("%-28s %10s %8s  %-32s %s%n", "DATASET@VERSION", "RECORDS", "CLASSES", "TOPIC", "CREATED");
            for (DatasetManifest m : all) {
                // Names and times come from the catalog, which any Kafka client may write: printed safe.
                out.printf("%-28s %10d %8d  %-32s %s%n", Printable.of(m.key()), m.count(), m.classes().size(),
                        Printable.of(m.topic()), Printable.of(m.created()));
            }
        }
        if (!unrecorded.isEmpty()) {
            out.println();
            out.println("records in no version (a produce still running, or one that did not finish: 'produce ... --resume' with the same "
                    + "source sends only what they lack and records them):");
            for (Unrecorded u : unrecorded) {
                out.printf("  %-32s %10d records %s%n", Printable.of(u.topic()), u.count(),
                        u.after() == null ? "(no version names this topic)" : "after " + Printable.of(u.after()));
            }
        }
        out.flush();
        return 0;
    }
}
