package io.spritestream.loader.cli;

import io.spritestream.cli.VerboseOption;
import io.spritestream.loader.cache.CacheCatalog;
import io.spritestream.loader.pipeline.LoaderSettings;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cache list} and {@code cache clear}: what the decoded-sample cache holds, and emptying it. */
@Command(name = "cache", mixinStandardHelpOptions = true,
        description = {"Lists or clears the decoded-sample cache: decoded, fitted samples kept in memory-mapped shard "
                + "files so that later epochs and runs copy them instead of fetching and decoding them again."},
        subcommands = {CacheCommand.ListCommand.class, CacheCommand.ClearCommand.class})
public final class CacheCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    /** {@code cache list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Lists each cache key (topic, pixel spec, decoder) with its shards, bytes and last use."})
    static final class ListCommand implements Callable<Integer> {

        @Mixin
        VerboseOption verbose;

        @Spec
        CommandSpec spec;

        @Option(names = "--cache", paramLabel = "DIR", description = "The cache folder (default: the one runs use).")
        Path cache;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Path root = cache != null ? cache : LoaderSettings.defaultCacheFolder();
            List<CacheCatalog.Listed> keys = CacheCatalog.list(root);
            long total = keys.stream().mapToLong(CacheCatalog.Listed::bytes).sum();
            out.printf(Locale.ROOT, "decoded cache at %s: %d key(s), %.1f MB%n", root.toAbsolutePath(), keys.size(),
                    total / 1e6);
            for (CacheCatalog.Listed k : keys) {
                CacheCatalog.Entry e = k.entry();
                out.printf(Locale.ROOT, "  %-24s %-14s %6d shards %10.1f MB  last used %s UTC  datasets %s  (topic id %s, "
                                + "decoder %s)%n", e.topic(), e.pixels(), k.shards(), k.bytes() / 1e6,
                        WHEN.format(k.lastUsed().toInstant()), e.datasets().isEmpty() ? "-" : String.join(",", e.datasets()),
                        e.topicId(), e.decoder());
            }
            return 0;
        }
    }

    /** {@code cache clear}. */
    @Command(name = "clear", mixinStandardHelpOptions = true,
            description = {"Deletes cached samples: everything, or those of one dataset or topic. Runs using them go on "
                    + "(their mappings stay valid) and decode what is gone."})
    static final class ClearCommand implements Callable<Integer> {

        @Mixin
        VerboseOption verbose;

        @Spec
        CommandSpec spec;

        @Option(names = "--cache", paramLabel = "DIR", description = "The cache folder (default: the one runs use).")
        Path cache;

        @Option(names = "--dataset", paramLabel = "NAME", description = "Only what runs of this dataset cached.")
        String dataset;

        @Option(names = "--topic", paramLabel = "TOPIC", description = "Only what was cached of this topic.")
        String topic;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path root = cache != null ? cache : LoaderSettings.defaultCacheFolder();
            if (Files.isDirectory(root) && !CacheCatalog.isCache(root) && !isEmpty(root)) {
                throw new IllegalStateException(root.toAbsolutePath() + " is not a decoded-sample cache (no "
                        + "v<format>/<topic id>/<pixels>/<decoder>/key.json of one): nothing deleted");
            }
            long freed = 0;
            int cleared = 0;
            for (CacheCatalog.Listed k : CacheCatalog.list(root)) {
                boolean match = (dataset == null || k.entry().datasets().contains(dataset))
                        && (topic == null || k.entry().topic().equals(topic));
                if (match) {
                    freed += CacheCatalog.delete(k.folder());
                    cleared++;
                }
            }
            out.printf(Locale.ROOT, "cleared %d cache key(s) at %s, %.1f MB freed%n", cleared, root.toAbsolutePath(),
                    freed / 1e6);
            return 0;
        }

        private static boolean isEmpty(Path dir) throws java.io.IOException {
            try (var entries = Files.list(dir)) {
                return entries.findAny().isEmpty();
            }
        }
    }
}
