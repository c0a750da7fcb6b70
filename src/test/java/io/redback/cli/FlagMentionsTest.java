package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every {@code --flag} that a message, a help text or a doc tells the user to type exists: a
 * message advising an option redback does not have sends them nowhere. The flags are those of
 * picocli's model of every redback command (hidden aliases included); the mentions are the string
 * literals of src/main/java and the text of README.md and docs/*.md. Flags of other programs that
 * those texts quote (redis-server, redis-cli, ...) are listed below with the program they belong to.
 */
@io.redback.testsupport.Fast
class FlagMentionsTest {
    /**
     * A long option: two dashes, a lowercase word, more words joined by single dashes, not inside a
     * word. A trailing dash (with or without a star) makes it a family: {@code --keep-*}, or
     * {@code "--keep-" + rule} in code, which some option must start with.
     */
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)(-\\*?)?");

    /** Flags of other programs that redback's texts quote, each with whose it is. */
    private static final Map<String, String> OTHER_PROGRAMS = Map.ofEntries(
            // redis-check-aof: `aof cut --at` and `restore --at` cut where its --truncate-to-timestamp does
            Map.entry("--truncate-to-timestamp", "redis-check-aof"),
            // redis-server's command line, as LocalRedisServer starts a throwaway server
            // (--dir, --dbfilename, --appendonly and friends are also recover's options, so need no entry)
            Map.entry("--port", "redis-server"),
            Map.entry("--bind", "redis-server"),
            Map.entry("--protected-mode", "redis-server"),
            Map.entry("--daemonize", "redis-server"),
            Map.entry("--logfile", "redis-server"),
            Map.entry("--save", "redis-server"));

    @Test
    void everyFlagMentionedInMessagesAndDocsExists() throws IOException {
        Set<String> known = redbackFlags();
        List<String> unknown = new ArrayList<>();
        Path root = Path.of("").toAbsolutePath();
        try (Stream<Path> sources = Files.walk(root.resolve("src/main/java"))) {
            for (Path file : sources.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                for (Literal l : stringLiterals(Files.readString(file, StandardCharsets.UTF_8))) {
                    mentions(l.text(), known, root.relativize(file) + ":" + l.line(), unknown);
                }
            }
        }
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> md = Files.list(root.resolve("docs"))) {
            md.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        for (Path doc : docs) {
            List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                mentions(lines.get(i), known, root.relativize(doc) + ":" + (i + 1), unknown);
            }
        }
        assertThat(unknown).as("flags that no redback command has (fix the text, or list another program's flag "
                + "in OTHER_PROGRAMS)").isEmpty();
    }

    @Test
    void theScannerSeesFlagsInLiteralsAndNotInComments() {
        String q3 = "\"\"\"";
        List<Literal> found = stringLiterals(String.join("\n",
                "// \"--in-a-comment\"",
                "/* \"--in-a-block\" */",
                "String a = \"give --tls-ca\\n--name x\"; char q = '\"';",
                "String b = " + q3,
                "    --in-a-text-block \\" + q3 + " still",
                "    " + q3 + ";"));
        assertThat(found).extracting(Literal::text)
                .containsExactly("give --tls-ca\n--name x", "--in-a-text-block \"\"\" still\n");
        assertThat(found.get(0).line()).isEqualTo(3);
        List<String> unknown = new ArrayList<>();
        mentions("a--b, --, ---, `--grep`, <!-- x -->, --tls-ca-cert. --keep-*, --keep-\" + x, --tls-*",
                Set.of("--grep", "--keep-last"), "t", unknown);
        assertThat(unknown).containsExactly("t: --tls-ca-cert", "t: --tls-*");
    }

    private static void mentions(String text, Set<String> known, String where, List<String> unknown) {
        Matcher m = FLAG.matcher(text);
        while (m.find()) {
            String flag = m.group(1);
            boolean exists = m.group(2) != null
                    ? known.stream().anyMatch(k -> k.startsWith(flag + "-"))
                    : known.contains(flag) || OTHER_PROGRAMS.containsKey(flag);
            if (!exists) {
                unknown.add(where + ": " + m.group());
            }
        }
    }

    /** Every option name of every redback command and subcommand. */
    private static Set<String> redbackFlags() {
        Set<String> names = new TreeSet<>();
        collect(Main.commandLine(Map.of()), names);
        return names;
    }

    private static void collect(CommandLine cl, Set<String> names) {
        for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
            names.addAll(List.of(o.names()));
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            collect(sub, names);
        }
    }

    record Literal(int line, String text) {
    }

    /** The string literals and text blocks of Java source, unescaped, with the line each starts on. */
    static List<Literal> stringLiterals(String src) {
        List<Literal> out = new ArrayList<>();
        int line = 1;
        int i = 0;
        while (i < src.length()) {
            char c = src.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (src.startsWith("//", i)) {
                i = src.indexOf('\n', i) < 0 ? src.length() : src.indexOf('\n', i);
            } else if (src.startsWith("/*", i)) {
                int end = src.indexOf("*/", i + 2);
                end = end < 0 ? src.length() : end + 2;
                line += count(src, i, end);
                i = end;
            } else if (c == '"' || c == '\'') {
                boolean block = src.startsWith("\"\"\"", i);
                String close = block ? "\"\"\"" : String.valueOf(c);
                int start = i + close.length();
                int j = start;
                while (j < src.length() && !src.startsWith(close, j)) {
                    j += src.charAt(j) == '\\' ? 2 : 1;
                }
                String body = src.substring(start, Math.min(j, src.length()));
                if (c == '"') {
                    out.add(new Literal(line, unescape(block ? textBlock(body) : body)));
                }
                line += count(src, i, Math.min(j, src.length()));
                i = j + close.length();
            } else {
                i++;
            }
        }
        return out;
    }

    /** A text block's content: from the line after the opening quotes, common indentation removed. */
    private static String textBlock(String body) {
        return body.substring(body.indexOf('\n') + 1).stripIndent();
    }

    private static String unescape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                sb.append(c);
                continue;
            }
            char n = s.charAt(++i);
            sb.append(switch (n) {
                case 'n', 'r' -> '\n';
                case 't' -> '\t';
                case 's' -> ' ';
                default -> n;
            });
        }
        // picocli's %n is a line break too
        return sb.toString().replace("%n", "\n");
    }

    private static int count(String s, int from, int to) {
        int n = 0;
        for (int k = from; k < to; k++) {
            if (s.charAt(k) == '\n') {
                n++;
            }
        }
        return n;
    }
}
