package io.spritestream.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}: stack traces on errors (read by {@link Cli}'s error handler). */
public final class VerboseOption {
    @Option(names = "--verbose", description = "Print stack traces of errors.")
    boolean verbose;
}
