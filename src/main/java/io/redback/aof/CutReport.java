package io.redback.aof;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link AofCutter} did: where it cut and why there, what it kept and dropped (commands,
 * bytes, {@code #TS} time range), what happened to each file, and what it wrote. {@code found}
 * is false when nothing matched a {@code --before} pattern (then nothing was written) or no
 * {@code #TS} is later than an {@code --at} time (then everything was kept). Times are unix
 * seconds, -1 when unknown.
 */
public record CutReport(
        String source,
        String layout,
        String point,
        boolean found,
        Cut cut,
        Base base,
        Side kept,
        Side dropped,
        List<FileOutcome> files,
        Output output,
        List<String> notes) {

    /** How the cut position differs from the one asked for. */
    public enum Adjustment {
        /** Exactly where asked (before the matching command or annotation, or at the offset). */
        NONE,
        /** The offset was inside a command: moved back to the start of that command. */
        ROUNDED_DOWN,
        /** The point was inside a MULTI/EXEC block: moved back to just before its MULTI. */
        BEFORE_MULTI
    }

    /** What happened to one file. */
    public enum Action { KEPT, CUT, DROPPED }

    /**
     * Where the cut is: in {@code file} at byte {@code offset} (what is kept ends there);
     * {@code requested} is the offset asked for by {@code --offset} (else -1); {@code matched}
     * the command {@code --before} found; {@code stopTime} the {@code #TS} time that
     * {@code --at} stopped at.
     */
    public record Cut(String file, long offset, long requested, Adjustment adjustment, Matched matched,
                      long stopTime) {
    }

    /** The command {@code --before} stopped at: printable (escaped, truncated), where, db, time. */
    public record Matched(String command, String file, long offset, int db, long time) {
    }

    /** Commands and bytes of the command history on one side of the cut; partial when damage ended the count. */
    public record Side(long commands, long transactions, long bytes, long firstTime, long lastTime, boolean partial) {
    }

    /** The snapshot the history applies to, kept whole: a base file, or the RDB preamble of a single file. */
    public record Base(String name, String format, long bytes, long keys, long commands) {
    }

    /** One source file: its role (base, incr, single), size, how much of it is kept. */
    public record FileOutcome(String name, String role, long size, long keptBytes, Action action) {
    }

    /** What was written: a new appendonlydir (with its file prefix) or a single file, and each file. */
    public record Output(Path path, boolean directory, String appendFilename, String manifest, List<Written> files) {
    }

    public record Written(String name, long bytes) {
    }
}
