package io.spritestream.loader.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.spritestream.cli.Cli;
import io.spritestream.loader.testing.RepoFiles;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ResourceBundle;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Defaults are declared once ({@code io.spritestream.config.Setting}) and everything that states one
 * agrees with the declaration: every option that takes its default or its doc from its command's
 * bundle finds it there, and every default the README states, in a command's synopsis or in its
 * prose, is the one its command declares. A README that says {@code [--batch 32]} while the batch
 * is declared 64 fails here.
 *
 * <p>What the README check reads: in a code block, a synopsis is a line that starts with a command's
 * name (and its continuation lines, indented); each {@code --option VALUE} in it whose value is a
 * literal (not a placeholder such as {@code N}, {@code FILE}, {@code WxH}: those have capitals) states
 * that command's default; of {@code a|b|c}, the first. Outside code blocks, {@code `--option` (default
 * X)}, {@code `--option`, default X}, {@code `--option` (N unit)} and {@code `--option X` (the default)}
 * state a default that some command declares.
 */
class DeclaredDefaultsTest {

    private static final Map<String, CommandLine> COMMANDS = Cli.commandLine(new LoaderMain()).getSubcommands();

    @Test
    void everyOptionFindsTheDeclaredDefaultAndDocItAsksItsCommandsBundleFor() throws Exception {
        int asked = 0;
        for (CommandLine command : allCommands()) {
            CommandSpec spec = command.getCommandSpec();
            for (OptionSpec option : spec.options()) {
                CommandLine.Option annotation = annotation(option);
                if (annotation == null) {
                    continue;
                }
                String where = spec.qualifiedName() + " " + option.longestName();
                if (annotation.defaultValue().contains("${bundle:")) {
                    asked++;
                    assertNotNull(option.defaultValue(), where + ": its bundle declares no default");
                }
                if (annotation.descriptionKey().endsWith(".doc")) {
                    asked++;
                    ResourceBundle bundle = spec.resourceBundle();
                    assertTrue(bundle != null && bundle.containsKey(annotation.descriptionKey()),
                            where + ": its bundle has no " + annotation.descriptionKey());
                }
            }
        }
        assertTrue(asked > 80, "options that take their default or doc from a declaration: " + asked);
    }

    @Test
    void theReadmesSynopsesStateTheDefaultsTheirCommandsDeclare() throws Exception {
        List<String> checked = new ArrayList<>();
        for (String synopsis : synopses(Files.readString(RepoFiles.resolve("README.md")))) {
            CommandLine command = COMMANDS.get(synopsis.split("\\s+")[0]);
            String[] words = synopsis.split("\\s+");
            if (words.length > 1 && command.getSubcommands().containsKey(words[1])) {
                command = command.getSubcommands().get(words[1]);
            }
            Matcher m = Pattern.compile("--([a-z][a-z0-9-]*)(?: ([^\\s\\[\\]()|-][^\\s\\[\\]()]*))?").matcher(synopsis);
            while (m.find()) {
                String option = m.group(1);
                String where = "README: `" + synopsis.split("\\s+")[0] + " ... --" + option
                        + (m.group(2) == null ? "" : " " + m.group(2)) + "`";
                assertNotNull(command.getCommandSpec().findOption("--" + option), where + ": no such option");
                String stated = m.group(2) == null ? null : m.group(2).split("\\|")[0];
                if (stated == null || !stated.equals(stated.toLowerCase(java.util.Locale.ROOT)) || stated.startsWith(".")) {
                    continue; // a placeholder, or no value
                }
                String declared = declaredDefaults(command).get(option);
                assertNotNull(declared, where + ": " + command.getCommandSpec().qualifiedName()
                        + " declares no default for --" + option);
                assertEquals(declared, stated, where + ": " + command.getCommandSpec().qualifiedName()
                        + " declares --" + option + " " + declared);
                checked.add(command.getCommandName() + " --" + option + " " + stated);
            }
        }
        assertTrue(checked.size() >= 25, "the synopses' defaults were found: " + checked);
    }

    @Test
    void theReadmesProseStatesDefaultsThatCommandsDeclare() throws Exception {
        Map<String, Set<String>> declared = new TreeMap<>();
        for (CommandLine command : allCommands()) {
            declaredDefaults(command).forEach((option, value) ->
                    declared.computeIfAbsent(option, o -> new TreeSet<>()).add(value));
        }
        String number = "(\\d[\\d,]*(?:\\.\\d+)?)(?: (s|kB|MB|GB|KiB|MiB|GiB|M))?";
        List<Pattern> statements = List.of(
                // `--option` (default X), `--option PLACEHOLDER`, default `X` (not `<--other>/dir`: that one depends)
                Pattern.compile("`--([a-z][a-z0-9-]*)(?: [^`]*)?`(?: \\(|, )default (?:`([^`<> ]+)`|" + number + ")[),.:;]"),
                // `--option` (10 s), `--option`, 30 s,
                Pattern.compile("`--([a-z][a-z0-9-]*)`(?: \\(|, )()" + number + "[),]"),
                // `--option dlq` (the default)
                Pattern.compile("`--([a-z][a-z0-9-]*) ([a-z0-9.]+)`(?: \\(|, )(?:the )?default\\b"));
        List<String> checked = new ArrayList<>();
        for (String paragraph : prose(Files.readString(RepoFiles.resolve("README.md")))) {
            for (Pattern statement : statements) {
                Matcher m = statement.matcher(paragraph);
                while (m.find()) {
                    String option = m.group(1);
                    String stated = m.group(2) != null && !m.group(2).isEmpty() ? m.group(2)
                            : scaled(m.group(3), m.groupCount() >= 4 ? m.group(4) : null);
                    Set<String> values = declared.getOrDefault(option, Set.of());
                    String where = "README: \"" + m.group() + "\"";
                    assertTrue(!values.isEmpty(), where + ": no command declares a default for --" + option);
                    assertTrue(values.stream().anyMatch(v -> same(v, stated)),
                            where + ": declared " + values + ", the README says " + stated);
                    checked.add("--" + option + " " + stated);
                }
            }
        }
        assertTrue(checked.size() >= 12, "the prose's defaults were found: " + checked);
    }

    /** Each option's declared default as its command's bundle serves it, by option name. */
    private static Map<String, String> declaredDefaults(CommandLine command) {
        Map<String, String> defaults = new LinkedHashMap<>();
        ResourceBundle bundle = command.getCommandSpec().resourceBundle();
        if (bundle != null) {
            for (String key : bundle.keySet()) {
                if (key.endsWith(".default")) {
                    defaults.put(key.substring(0, key.length() - ".default".length()), bundle.getString(key));
                }
            }
        }
        return defaults;
    }

    /** The synopses of the README's code blocks, each on one line. */
    private static List<String> synopses(String readme) {
        List<String> found = new ArrayList<>();
        boolean inBlock = false;
        StringBuilder current = null;
        for (String line : readme.split("\n")) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
                current = flush(found, current);
                continue;
            }
            if (!inBlock) {
                continue;
            }
            String first = line.split("\\s+")[0];
            if (!line.startsWith(" ") && COMMANDS.containsKey(first)) {
                current = flush(found, current);
                current = new StringBuilder(line.replaceAll("#.*", ""));
            } else if (current != null && line.startsWith(" ")) {
                current.append(' ').append(line.strip());
            } else {
                current = flush(found, current);
            }
        }
        return found;
    }

    private static StringBuilder flush(List<String> found, StringBuilder current) {
        if (current != null) {
            found.add(current.toString().strip());
        }
        return null;
    }

    /** The README's text outside code blocks, a paragraph (or table row) to a string. */
    private static List<String> prose(String readme) {
        List<String> paragraphs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean inBlock = false;
        for (String line : readme.split("\n")) {
            if (line.startsWith("```")) {
                inBlock = !inBlock;
            }
            if (inBlock || line.startsWith("```") || line.isBlank() || line.startsWith("|")) {
                paragraphs.add(current.toString());
                current.setLength(0);
                if (!inBlock && line.startsWith("|")) {
                    paragraphs.add(line);
                }
                continue;
            }
            current.append(current.length() == 0 ? "" : " ").append(line.strip());
        }
        paragraphs.add(current.toString());
        return paragraphs;
    }

    /** {@code 16 GB} as a plain number of bytes, {@code 10 s} as seconds; README's binary {@code M} for pixels. */
    private static String scaled(String value, String unit) {
        BigDecimal v = new BigDecimal(value.replace(",", ""));
        long factor = unit == null ? 1 : switch (unit) {
            case "s" -> 1;
            case "kB" -> 1_000;
            case "MB" -> 1_000_000;
            case "GB" -> 1_000_000_000;
            case "KiB" -> 1L << 10;
            case "MiB", "M" -> 1L << 20;
            case "GiB" -> 1L << 30;
            default -> throw new IllegalArgumentException(unit);
        };
        return v.multiply(BigDecimal.valueOf(factor)).stripTrailingZeros().toPlainString();
    }

    private static boolean same(String declared, String stated) {
        try {
            return new BigDecimal(declared).compareTo(new BigDecimal(stated)) == 0;
        } catch (NumberFormatException notNumbers) {
            return declared.equals(stated);
        }
    }

    private static List<CommandLine> allCommands() {
        List<CommandLine> all = new ArrayList<>();
        for (CommandLine c : COMMANDS.values()) {
            all.add(c);
            all.addAll(c.getSubcommands().values());
        }
        return all;
    }

    private static CommandLine.Option annotation(OptionSpec option) {
        return option.userObject() instanceof Field field ? field.getAnnotation(CommandLine.Option.class) : null;
    }
}
