package io.spritestream.cli;

import java.io.PrintWriter;
import io.spritestream.config.NamesSettings;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * Runs a picocli command the way every spritestream command behaves:
 * bad arguments print a one-line reason and the usage (exit 2); a failure at run time prints one
 * line {@code error: ...} (exit 1), with the stack trace only under {@code --verbose}.
 */
public final class Cli {

    /** Exit code of a bad argument or option value. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    /** Exit code of a failure at run time (unreachable broker, missing dataset, ...). */
    public static final int FAILURE = 1;

    private Cli() {}

    /** Builds the command line with spritestream's error handling. */
    public static CommandLine commandLine(Object command) {
        CommandLine cli = new CommandLine(command);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = Arrays.asList(parseResult.originalArgs().toArray(new String[0])).contains("--verbose");
            PrintWriter err = commandLine.getErr();
            if (ex instanceof IllegalArgumentException) {
                err.println("error: " + commandLineMessage(ex));
                err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
                if (verbose) {
                    ex.printStackTrace(err);
                }
                err.flush();
                return USAGE;
            }
            err.println("error: " + commandLineMessage(ex));
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return FAILURE;
        });
        return cli;
    }

    /** Runs {@code command} with {@code args} and returns the exit code. */
    public static int run(Object command, String... args) {
        return commandLine(command).execute(args);
    }

    /**
     * The message of {@code e} as the command line shows it: settings it names as their options
     * ({@code --batch}, see {@link NamesSettings}), on one line.
     */
    public static String commandLineMessage(Throwable e) {
        String named = NamesSettings.forCommandLine(e);
        return named != null ? named.replace('\n', ' ').replace('\r', ' ').strip() : oneLine(e);
    }

    /** The message of {@code e}, or of its first cause that has one, on one line. */
    public static String oneLine(Throwable e) {
        Throwable t = e;
        while (t != null && (t.getMessage() == null || t.getMessage().isBlank())) {
            t = t.getCause();
        }
        String message = t == null ? e.getClass().getSimpleName() : t.getMessage();
        return message.replace('\n', ' ').replace('\r', ' ').strip();
    }
}
