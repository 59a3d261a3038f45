package io.spritestream.loader.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --report-json} and {@code --quiet}: what a run leaves behind and shows (a picocli mixin). */
public final class ReportOptions {

    @Option(names = "--report-json", paramLabel = "FILE", description = "Write a JSON report of the run.")
    Path reportJson;

    @Option(names = "--quiet", description = "No progress bar.")
    boolean quiet;
}
