package io.spritestream.cli;

import java.io.PrintWriter;
import io.spritestream.config.NamesSettings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;

/**
 * Runs a picocli command the way every spritestream command behaves:
 * bad arguments print one line {@code error: ...} and then {@code Try '... --help' for more information.} (exit 2); a failure at run time prints one
 * line {@code error: ...} (exit 1), with the stack trace only under {@code --verbose}.
 */
public final class Cli {

    /** Exit code of a bad argument or option value. */
    public static final int USAGE = CommandLine.ExitCode.USAGE;
    /** Exit code of a failure at run time (unreachable broker, missing dataset, ...). */
    public static final int FAILURE = 1;

    private Cli() {}

    /**
     * A top command whose subcommands are made on demand: picocli builds a command's model by
     * reflection (tens to hundreds of milliseconds on a cold JVM for a command with many options), so
     * a command line that names one subcommand builds that one only.
     */
    public interface Subcommands {
        /** Each subcommand's name and how to make it, in the order help lists them. */
        Map<String, Supplier<Object>> subcommands();
    }

    /**
     * A command that a program may run for its own callers (the Python package runs {@code feed}):
     * when it says so, its errors name settings as that caller's keyword arguments
     * ({@code slabs=}) rather than as options ({@code --slabs}).
     */
    public interface KeywordCaller {
        /** Whether this run's messages name settings as keyword arguments. */
        boolean namesSettingsAsKeywords();
    }

    /** Builds the command line with spritestream's error handling (and every subcommand). */
    public static CommandLine commandLine(Object command) {
        return commandLine(command, null);
    }

    /**
     * Builds the command line for arguments that start with {@code first}: of a {@link Subcommands}
     * top command, only the subcommand {@code first} names, or all when it names none.
     */
    private static CommandLine commandLine(Object command, String first) {
        CommandLine cli = new CommandLine(command);
        if (command instanceof Subcommands top) {
            Map<String, Supplier<Object>> all = top.subcommands();
            Supplier<Object> named = first == null ? null : all.get(first);
            if (named != null) {
                cli.addSubcommand(first, named.get());
            } else {
                all.forEach((name, make) -> cli.addSubcommand(name, make.get()));
            }
        }
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        versionEverywhere(cli, cli.getCommandSpec().versionProvider());
        cli.setParameterExceptionHandler((ex, args) -> {
            CommandLine failed = ex.getCommandLine();
            PrintWriter err = failed.getErr();
            err.println("error: " + usageMessage(ex));
            err.println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more information.");
            err.flush();
            return USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            boolean verbose = Arrays.asList(parseResult.originalArgs().toArray(new String[0])).contains("--verbose");
            PrintWriter err = commandLine.getErr();
            String message = commandLine.getCommand() instanceof KeywordCaller caller && caller.namesSettingsAsKeywords()
                    && NamesSettings.forKeywords(ex) != null ? oneLine(NamesSettings.forKeywords(ex))
                    : commandLineMessage(ex);
            if (ex instanceof IllegalArgumentException) {
                err.println("error: " + message);
                err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help' for more information.");
                if (verbose) {
                    ex.printStackTrace(err);
                }
                err.flush();
                return USAGE;
            }
            err.println("error: " + message);
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return FAILURE;
        });
        return cli;
    }

    /**
     * A usage error on one line, the way the rest of the command line words them: picocli's message
     * with a lower-case start, the suggestions of an unknown option folded in.
     */
    static String usageMessage(CommandLine.ParameterException ex) {
        String message = String.valueOf(ex.getMessage()).replace('\n', ' ').replace('\r', ' ').strip();
        if (message.startsWith("Error: ")) {
            message = message.substring("Error: ".length());
        }
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> suggestions = nearestCommands(unmatched);
            if (suggestions == null) {
                suggestions = unmatched.getSuggestions();
            }
            if (!suggestions.isEmpty()) {
                message += " (did you mean " + String.join(" or ", suggestions) + "?)";
            }
        }
        return message.isEmpty() ? message : Character.toLowerCase(message.charAt(0)) + message.substring(1);
    }

    /**
     * For a word where a command's name belongs, the names nearest to it by edit distance (letters
     * added, dropped, changed or swapped: {@code laod} is one from {@code load}), if any is near
     * enough to be a slip (at most 1 edit, 2 for names of 5 letters or more); null when the word is
     * not in a command's place (then picocli's suggestions stand).
     */
    static List<String> nearestCommands(CommandLine.UnmatchedArgumentException unmatched) {
        Map<String, CommandLine> commands = unmatched.getCommandLine().getSubcommands();
        List<String> words = unmatched.getUnmatched();
        if (commands.isEmpty() || words.isEmpty() || words.get(0).startsWith("-")) {
            return null;
        }
        String word = words.get(0).toLowerCase(java.util.Locale.ROOT);
        int best = Integer.MAX_VALUE;
        List<String> nearest = new ArrayList<>();
        for (String name : commands.keySet()) {
            int d = editDistance(word, name);
            if (d > (name.length() >= 5 ? 2 : 1)) {
                continue;
            }
            if (d < best) {
                best = d;
                nearest.clear();
            }
            if (d == best) {
                nearest.add(name);
            }
        }
        return nearest;
    }

    /** Edits (insertions, deletions, substitutions, swaps of neighbours) from {@code a} to {@code b}. */
    static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** {@code -V} on every subcommand prints what the top command's does. */
    private static void versionEverywhere(CommandLine cli, CommandLine.IVersionProvider provider) {
        if (provider == null) {
            return;
        }
        for (CommandLine sub : cli.getSubcommands().values()) {
            if (sub.getCommandSpec().versionProvider() == null) {
                sub.getCommandSpec().versionProvider(provider);
            }
            versionEverywhere(sub, provider);
        }
    }

    /** Runs {@code command} with {@code args} and returns the exit code. */
    public static int run(Object command, String... args) {
        return commandLine(command, args.length > 0 ? args[0] : null).execute(args);
    }

    /**
     * The message of {@code e} as the command line shows it: settings it names as their options
     * ({@code --batch}, see {@link NamesSettings}), on one line.
     */
    public static String commandLineMessage(Throwable e) {
        String named = NamesSettings.forCommandLine(e);
        return named != null ? named.replace('\n', ' ').replace('\r', ' ').strip() : oneLine(e);
    }

    private static String oneLine(String message) {
        return message.replace('\n', ' ').replace('\r', ' ').strip();
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
