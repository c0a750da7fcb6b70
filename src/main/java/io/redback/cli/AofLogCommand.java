package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.aof.AofException;
import io.redback.aof.AofLog;
import io.redback.aof.AofManifestException;
import io.redback.aof.AofTime;
import io.redback.aof.LogEntry;
import io.redback.aof.LogFilter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code redback aof log}: the commands of an AOF, where they are, and when they ran. */
@Command(name = "log",
        description = {"List the commands of an AOF with their position (file:offset, what 'aof cut --offset' "
                + "takes), database, time (from #TS annotations, or '-'), whether they run inside MULTI/EXEC, and "
                + "their first arguments (escaped, shortened). Files are read in the order Redis loads them.",
                "",
                "For each FLUSHALL and FLUSHDB it prints the 'redback aof cut' command that restores the data as it "
                        + "was just before it.",
                ""},
        mixinStandardHelpOptions = true,
        sortOptions = false,
        footerHeading = "%nExamples:%n",
        footer = {"  # who flushed what, and when",
                "  redback aof log --grep FLUSHALL --grep FLUSHDB /var/lib/redis/appendonlydir",
                "",
                "  # every change to user:42 in db 0 during the incident",
                "  redback aof log --db 0 --key user:42 --since 2026-11-22T09:00:00Z \\",
                "      --until 2026-11-22T10:00:00Z appendonlydir",
                "",
                "  # JSON Lines for scripts",
                "  redback aof log --json --grep DEL appendonly.aof | jq -r .key",
                "",
                "Times: unix seconds, or ISO-8601 with a zone (Z, +01:00).",
                "",
                "Exit codes:",
                "  0  the whole log was read",
                "  1  a damaged file ended the listing early (what came before it is listed)",
                "  2  usage error, or the source could not be read"})
public final class AofLogCommand implements Callable<Integer> {
    private static final String HEADER = LogLines.header(String.format(Locale.ROOT, "%-34s", "FILE:OFFSET"));

    @Parameters(paramLabel = "SOURCE", description = "An AOF file, a manifest, or an appendonlydir.")
    Path source;

    @Mixin
    LogFilterOptions filters;

    @Option(names = "--since", paramLabel = "TIME", description = "Only commands at or after TIME (their #TS second).")
    String since;

    @Option(names = "--until", paramLabel = "TIME", description = "Only commands at or before TIME (their #TS second).")
    String until;

    @Mixin
    JsonLinesOption output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = Terminal.out(spec);
        PrintWriter err = Terminal.err(spec);
        LogFilter filter = filter();
        Consumer<LogEntry> sink = output.json ? e -> out.println(jsonLine(e)) : human(out);
        if (!output.json) {
            out.println(HEADER);
        }
        AofLog.Summary s;
        try {
            s = AofLog.scan(source, filter, sink);
        } catch (AofManifestException | IOException e) {
            out.flush();
            err.println("redback aof log: " + e.getMessage());
            return Main.USAGE;
        }
        if (!output.json) {
            out.println(String.format(Locale.ROOT, "%,d listed of %,d commands read%s; %s", s.listed(), s.commandsRead(),
                    s.limitReached() ? " (stopped at --limit)" : "", s.layout()));
        }
        out.flush();
        AofException damage = s.damage();
        if (damage != null) {
            err.println("redback aof log: " + damage.getMessage());
            err.println("  the listing stops here; 'redback check " + source + "' tells more");
            return Main.PROBLEM;
        }
        return Main.OK;
    }

    private LogFilter filter() {
        try {
            Long from = since == null ? null : AofTime.parse(since);
            Long to = until == null ? null : AofTime.parse(until);
            return filters.filter(from, to);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
    }

    private Consumer<LogEntry> human(PrintWriter out) {
        return e -> {
            out.println(LogLines.row(String.format(Locale.ROOT, "%-34s", e.position()), e));
            if (e.cutHint() != null) {
                out.println("  -> the data just before it: " + cutCommand(e.cutHint()));
            }
        };
    }

    /** The full command line, with an output directory that does not exist yet in a typical cwd. */
    String cutCommand(List<String> hint) {
        StringBuilder sb = new StringBuilder(LogLines.commandLine("redback aof cut", hint));
        sb.append(" --out ").append(ShellQuote.quote(suggestedOut(hint))).append(' ')
                .append(ShellQuote.quote(source.toString()));
        return sb.toString();
    }

    private static String suggestedOut(List<String> hint) {
        return "before-" + (hint.size() > 1 && "--before".equals(hint.get(0))
                ? hint.get(1).toLowerCase(Locale.ROOT) : "cut") + "/appendonlydir";
    }

    private String jsonLine(LogEntry e) {
        Map<String, Object> command = new LinkedHashMap<>();
        LogLines.putCommand(command, e);
        return Json.line(new LineJson(e.file(), e.offset(), e.length(), e.index(), new Json.Fields(command),
                e.cutHint() == null ? null : cutCommand(e.cutHint())));
    }

    /** One JSON line: where the command is, the command (the fields every log line has), the cut before it. */
    record LineJson(String file, long offset, long length, long index, @JsonUnwrapped Object command, String cut) {
    }
}
