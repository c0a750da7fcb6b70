package io.redback.aof;

import java.util.List;
import java.util.Map;

/**
 * The outcome of {@link AofCheck}: the verdict, the format, each file's own report (in load
 * order), the totals over the files (commands, annotations, MULTI/EXEC blocks, commands per
 * database, the most frequent command names, the first and last {@code #TS}), the first
 * problem and where a fix would cut. {@code manifest} is null unless the input is multi-part;
 * {@code history} names the history files the manifest lists (never read).
 */
public record AofCheckReport(
        String input,
        AofFormat format,
        AofVerdict verdict,
        AofManifest manifest,
        List<AofFileReport> files,
        List<String> history,
        long commands,
        long annotations,
        long transactions,
        Map<Integer, Long> commandsPerDb,
        Map<String, Long> topCommands,
        Long firstTime,
        Long lastTime,
        AofProblem error,
        AofCut cut,
        List<String> warnings,
        long bytes,
        long elapsedNanos) {

    /** How many command names {@link #topCommands()} keeps. */
    public static final int TOP = 10;

    /** Whether the input is a single file holding only an RDB (nothing follows it). */
    public boolean rdbOnly() {
        return format == AofFormat.AOF_RDB_PREAMBLE && files.size() == 1
                && files.get(0).content() == AofFileReport.Content.RDB;
    }

    /** Throughput in MB/s (10^6 bytes per second). */
    public double megabytesPerSecond() {
        return elapsedNanos == 0 ? 0 : bytes / 1e6 / (elapsedNanos / 1e9);
    }
}
