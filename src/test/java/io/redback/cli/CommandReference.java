package io.redback.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes docs/commands.md from the picocli model, the one table of commands and options
 * (pgBackRest's habit): every command and subcommand with its synopsis, description,
 * arguments, and options with their help and defaults. Hidden options and commands (old
 * spellings kept as aliases) are left out. Variables are rendered here, not by picocli, so
 * that the page does not depend on the environment of whoever generates it ({@code --repo}'s
 * default names {@code $REDBACK_REPO} instead of its value).
 */
final class CommandReference {
    static final String PATH = "docs/commands.md";
    static final String REGENERATE = "mvn -q test -Dtest=CommandReferenceTest -Dredback.updateDocs=true";

    private static final int WIDTH = 100;
    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z0-9_]+):-([^}]*)}");
    /** Any other variable with a fallback, e.g. picocli's {@code ${picocli.help.name.0:--h}}: the fallback. */
    private static final Pattern FALLBACK = Pattern.compile("\\$\\{(?!env:)[A-Za-z0-9_.:-]+?:-([^}]*)}");

    private CommandReference() {
    }

    /** The whole page. */
    static String markdown() {
        CommandLine root = Main.commandLine(Map.of());
        root.setInterpolateVariables(false);
        List<CommandLine> commands = new ArrayList<>();
        collect(root, commands);

        StringBuilder md = new StringBuilder();
        md.append("# Command reference\n\n");
        md.append("Generated from the command definitions (picocli) by `CommandReference` (test code); do not edit\n");
        md.append("by hand. After changing a command or an option, regenerate it with\n");
        md.append("`").append(REGENERATE).append("`.\n");
        md.append("`redback COMMAND --help` prints the same. What the commands do, with examples, is in\n");
        md.append("[guide.md](guide.md); the repository's format in [repository-format.md](repository-format.md).\n\n");
        for (CommandLine c : commands) {
            String name = c.getCommandSpec().qualifiedName();
            md.append(indent(c)).append("- [").append(name).append("](#").append(anchor(name)).append(")\n");
        }
        for (CommandLine c : commands) {
            md.append('\n');
            section(c.getCommandSpec(), md);
        }
        return md.toString().replaceAll("\n{3,}", "\n\n"); // an empty description line next to a block
    }

    private static void collect(CommandLine c, List<CommandLine> into) {
        into.add(c);
        for (CommandLine sub : c.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            // aliases map to the same CommandLine: list each command once, under its own name
            if (spec.usageMessage().hidden() || !sub.getCommandName().equals(spec.name()) || into.contains(sub)
                    || spec.userObject() instanceof CommandLine.HelpCommand) {
                continue;
            }
            collect(sub, into);
        }
    }

    private static String indent(CommandLine c) {
        int depth = 0;
        for (CommandSpec s = c.getCommandSpec(); s.parent() != null; s = s.parent()) {
            depth++;
        }
        return "  ".repeat(depth);
    }

    private static void section(CommandSpec spec, StringBuilder md) {
        md.append("## ").append(spec.qualifiedName()).append("\n\n");
        for (String line : spec.usageMessage().description()) {
            md.append(text(line, spec, null)).append("\n");
        }
        if (spec.aliases().length > 0) {
            md.append("\nAlso: `").append(String.join("`, `", spec.aliases())).append("`.\n");
        }
        spec.usageMessage().width(WIDTH);
        // the synopsis holds names and labels only, no defaults: picocli may render it
        spec.interpolateVariables(true);
        CommandLine.Help help = new CommandLine.Help(spec, CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        md.append("\n```\n").append(help.synopsis(0).stripTrailing()).append("\n```\n");
        spec.interpolateVariables(false);

        List<PositionalParamSpec> params = spec.positionalParameters().stream().filter(p -> !p.hidden()).toList();
        if (!params.isEmpty()) {
            md.append("\n| argument | description |\n|---|---|\n");
            for (PositionalParamSpec p : params) {
                md.append("| `").append(p.paramLabel()).append("` | ").append(cell(description(p.description(), spec, p)))
                        .append(" |\n");
            }
        }
        List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
        if (!options.isEmpty()) {
            md.append("\n| option | default | description |\n|---|---|---|\n");
            for (OptionSpec o : options) {
                String names = env(String.join(", ", o.names()));
                if (o.arity().max() > 0) {
                    names += " " + o.paramLabel();
                }
                String def = defaultValue(o);
                md.append("| `").append(cell(names)).append("` | ").append(def == null ? "" : "`" + cell(def) + "`")
                        .append(" | ").append(cell(description(o.description(), spec, o))).append(" |\n");
            }
        }
        List<String> subs = new ArrayList<>();
        for (CommandLine sub : spec.subcommands().values()) {
            CommandSpec s = sub.getCommandSpec();
            if (!s.usageMessage().hidden() && sub.getCommandName().equals(s.name())
                    && !(s.userObject() instanceof CommandLine.HelpCommand) && !subs.contains(s.qualifiedName())) {
                subs.add(s.qualifiedName());
            }
        }
        if (!subs.isEmpty()) {
            md.append("\nSubcommands: ");
            for (int i = 0; i < subs.size(); i++) {
                md.append(i == 0 ? "" : ", ").append("[").append(subs.get(i)).append("](#").append(anchor(subs.get(i)))
                        .append(")");
            }
            md.append(".\n");
        }
        String[] footer = spec.usageMessage().footer();
        if (footer.length > 0) {
            md.append("\n").append(text(spec.usageMessage().footerHeading(), spec, null).strip()).append("\n\n```\n");
            for (String line : footer) {
                md.append(text(line, spec, null).stripTrailing()).append("\n");
            }
            md.append("```\n");
        }
    }

    private static String description(String[] lines, CommandSpec spec, CommandLine.Model.ArgSpec arg) {
        StringBuilder s = new StringBuilder();
        for (String line : lines) {
            s.append(s.length() == 0 ? "" : " ").append(text(line, spec, arg));
        }
        return s.toString().strip();
    }

    /** Renders picocli's variables and format specifiers the way the help does, without the environment. */
    private static String text(String raw, CommandSpec spec, CommandLine.Model.ArgSpec arg) {
        String s = raw;
        if (arg != null) {
            String def = arg instanceof OptionSpec o ? defaultValue(o) : env(arg.defaultValue());
            s = s.replace("${DEFAULT-VALUE}", def == null ? "" : def);
            if (arg.completionCandidates() != null) {
                List<String> candidates = new ArrayList<>();
                arg.completionCandidates().forEach(candidates::add);
                s = s.replace("${COMPLETION-CANDIDATES}", String.join(", ", candidates));
            }
        }
        s = s.replace("${COMMAND-NAME}", spec.name()).replace("${COMMAND-FULL-NAME}", spec.qualifiedName());
        return env(s).replace("%n", "\n").replace("%%", "%");
    }

    private static String defaultValue(OptionSpec o) {
        if (o.defaultValue() != null) {
            return env(o.defaultValue());
        }
        return null;
    }

    /** {@code ${env:NAME:-fallback}} as words: the variable, else the fallback. */
    private static String env(String s) {
        if (s == null) {
            return null;
        }
        String named = ENV.matcher(s).replaceAll(r -> Matcher.quoteReplacement("$" + r.group(1) + ", else " + r.group(2)));
        return FALLBACK.matcher(named).replaceAll(r -> Matcher.quoteReplacement(r.group(1)));
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ").replaceAll(" {2,}", " ").strip();
    }

    /** GitHub's heading anchor: lower case, spaces to dashes, punctuation dropped. */
    static String anchor(String heading) {
        return heading.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-');
    }
}
