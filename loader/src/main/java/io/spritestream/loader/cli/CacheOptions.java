package io.spritestream.loader.cli;

import io.spritestream.loader.pipeline.LoaderConfig;
import io.spritestream.loader.pipeline.LoaderSettings;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --cache DIR}, {@code --no-cache}, {@code --cache-max-bytes N}: the decoded-sample cache of
 * a run (a picocli mixin; defaults and docs from {@link LoaderSettings}'s declarations).
 */
public final class CacheOptions {

    @Option(names = "--cache", paramLabel = "DIR", descriptionKey = "cache.doc")
    Path cache;

    @Option(names = "--no-cache", description = "Decode every sample every epoch: no decoded-sample cache is read or "
            + "written.")
    boolean noCache;

    @Option(names = "--cache-max-bytes", defaultValue = "${bundle:cache-max-bytes.default}",
            descriptionKey = "cache-max-bytes.doc", paramLabel = "N")
    long maxBytes;

    /** Applies these options to {@code config}. */
    LoaderConfig applyTo(LoaderConfig config) {
        if (noCache && cache != null) {
            throw new IllegalArgumentException("--no-cache: given with --cache " + cache + " (expected one of them)");
        }
        config.cacheMaxBytes(maxBytes);
        if (noCache) {
            return config.cache(null);
        }
        return cache != null ? config.cache(cache) : config;
    }
}
