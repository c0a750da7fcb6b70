package io.redback.aof;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts an AOF at a time, a byte offset or just before a command (a {@link CutPoint}) and writes
 * what comes before the cut to a new place, leaving the source untouched: what
 * {@code redis-check-aof --truncate-to-timestamp} does in place to the last file only, done to
 * any file of a multi-part set (the later incr files are left out of the new manifest),
 * precisely at a command, and never inside a MULTI/EXEC block. The source may be a single AOF
 * (with or without RDB preamble), a manifest or an appendonlydir; the output is a new
 * appendonlydir that {@code redis-server --appendonly yes} loads, or a single AOF file when the
 * source is one. Memory does not grow with the files.
 *
 * <pre>{@code
 * CutReport r = AofCutter.cut(Path.of("/var/lib/redis/appendonlydir"),
 *         new CutPoint.Before(CommandPattern.parse("FLUSHALL"), -1), Path.of("/restore/appendonlydir"), false);
 * }</pre>
 */
public final class AofCutter {
    private AofCutter() {
    }

    /**
     * Finds the cut and reports it, writing nothing.
     *
     * @throws IllegalArgumentException for a cut point the source cannot have (an offset past
     *     the end or inside the RDB preamble, an unknown incr file)
     * @throws AofException if the source is damaged before the cut
     */
    public static CutReport plan(Path source, CutPoint point) throws IOException, AofException, AofManifestException {
        AofSet set = AofSet.open(source);
        return report(set, new CutScan(set, point).run(), null);
    }

    /**
     * Cuts {@code source} and writes what is kept to {@code out}: a directory (which must be new
     * or empty unless {@code force}), or a file when the source is a single file and
     * {@code out} ends in {@code .aof} or is an existing file. Nothing is written when a
     * {@link CutPoint.Before} pattern matches nothing (the report says {@code found == false}).
     *
     * @throws IllegalArgumentException if the output may not be written, or for a cut point the
     *     source cannot have
     * @throws AofException if the source is damaged before the cut
     */
    public static CutReport cut(Path source, CutPoint point, Path out, boolean force)
            throws IOException, AofException, AofManifestException {
        AofSet set = AofSet.open(source);
        CutWriter writer = CutWriter.prepare(set, out, force);
        CutScan scan = new CutScan(set, point).run();
        if (!scan.found && point instanceof CutPoint.Before) {
            return report(set, scan, null);
        }
        return report(set, scan, writer.write(scan));
    }

    private static CutReport report(AofSet set, CutScan scan, CutReport.Output output) {
        List<CutReport.FileOutcome> files = new ArrayList<>();
        for (int i = 0; i < scan.parts.size(); i++) {
            AofSet.Part p = scan.parts.get(i);
            CutReport.Action action = scan.cutPart < 0 || i < scan.cutPart ? CutReport.Action.KEPT
                    : i == scan.cutPart ? CutReport.Action.CUT : CutReport.Action.DROPPED;
            long kept = action == CutReport.Action.DROPPED ? 0 : scan.keptEnd(i);
            String role = p.role().name().toLowerCase(java.util.Locale.ROOT);
            files.add(new CutReport.FileOutcome(p.name(), role, scan.sizes[i], kept, action));
        }
        CutReport.Cut cut = null;
        if (scan.found) {
            long requested = scan.point instanceof CutPoint.Offset o ? o.offset() : -1;
            cut = new CutReport.Cut(scan.parts.get(scan.cutPart).name(), scan.cutOffset, requested, scan.adjustment,
                    scan.matched, scan.stopTime);
        }
        long keptBytes = scan.keptBytes();
        return new CutReport(String.valueOf(set.source()), set.describe(), scan.point.describe(), scan.found, cut,
                scan.base, scan.kept.side(keptBytes), scan.dropped.side(scan.historyBytes() - keptBytes),
                List.copyOf(files), output, List.copyOf(scan.notes));
    }
}
