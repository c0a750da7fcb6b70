package io.redback.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.redback.aof.AofTime;
import io.redback.pitr.Plan;
import io.redback.pitr.RestoreException;
import io.redback.pitr.RestoreResult;
import io.redback.pitr.Window;
import io.redback.redis.RedisUri;
import io.redback.restore.LiveReport;
import io.redback.restore.Undo;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON documents of the restore commands ({@code restore --at/--offset/--before},
 * {@code restore --into}, {@code undo}), as records Jackson writes in declaration order: the
 * field names and their order are the output's contract.
 */
final class RestoreJson {
    private RestoreJson() {
    }

    /** {@code restore --at ... --json}: the plan, and the result unless a dry run. */
    record PointInTime(PlanJson plan, boolean dryRun, @JsonInclude(JsonInclude.Include.NON_NULL) ResultJson result) {
        static PointInTime of(Plan p, RestoreResult r) {
            return new PointInTime(PlanJson.of(p), r == null, r == null ? null : ResultJson.of(r));
        }
    }

    record PlanJson(String source, String point, String timeline, WindowJson window, SnapshotJson snapshot,
                    LogJson log, CutJson cut, int startDb, long commands, long dropped, List<String> notes) {
        static PlanJson of(Plan p) {
            return new PlanJson(p.source(), p.point().describe(), p.timeline().toString(), WindowJson.of(p.window()),
                    new SnapshotJson(p.snapshot().id().toString(), p.fromOffset(), p.snapshot().startedAt().toString(),
                            p.snapshot().totalKeys()),
                    new LogJson(p.segments().size(), p.storedBytes(), p.fromOffset(), p.cutOffset(), p.replayBytes(),
                            p.segments().stream().map(seg -> seg.object()).toList()),
                    new CutJson(p.cutOffset(), p.cutTime().toString(),
                            p.adjustment().name().toLowerCase(Locale.ROOT).replace('_', '-'),
                            p.matched() == null ? null : CommandJson.of(p.matched())),
                    p.startDb(), p.commands(), p.dropped(), p.notes());
        }
    }

    record WindowJson(String timeline, String snapshot, long fromOffset, String fromTime, long toOffset,
                      String toTime) {
        static WindowJson of(Window w) {
            return new WindowJson(w.timeline().toString(), w.snapshot().toString(), w.fromOffset(),
                    w.fromTime().toString(), w.toOffset(), w.toTime().toString());
        }
    }

    record SnapshotJson(String id, long offset, String startedAt, long keys) {
    }

    record LogJson(int segments, long storedBytes, long fromOffset, long toOffset, long bytes, List<String> objects) {
    }

    record CutJson(long offset, String time, String adjustment,
                   @JsonInclude(JsonInclude.Include.NON_NULL) CommandJson matched) {
    }

    /** A command of the log: the one {@code --before} matched, or the accident {@code undo} undoes. */
    record CommandJson(String command, long offset, int db, String time) {
        static CommandJson of(Plan.Matched m) {
            return new CommandJson(m.command(), m.offset(), m.db(), m.time() < 0 ? null : AofTime.iso(m.time()));
        }
    }

    record ResultJson(String format, String target, long baseKeys, String baseChecksum, long commands, long dropped,
                      int segments, long incrBytes, Long resultKeys, long expired, long expiredInSnapshot,
                      long expiredByLog, String serverCommand) {
        static ResultJson of(RestoreResult r) {
            return new ResultJson(r.format().name().toLowerCase(Locale.ROOT), r.target().toString(), r.baseKeys(),
                    r.baseChecksum().jsonName(), r.commands(), r.dropped(), r.segments(), r.incrBytes(),
                    r.resultKeys() < 0 ? null : r.resultKeys(), r.expired(), r.expiredInSnapshot(), r.expiredByLog(),
                    ShellQuote.join(r.serverCommand()));
        }
    }

    /** {@code {"error": ...}}: why a point in time cannot be restored. */
    record Failure(ErrorJson error) {
        static Failure of(RestoreException e) {
            return new Failure(new ErrorJson(e.kind().jsonName(), e.getMessage(),
                    e.windows().stream().map(WindowJson::of).toList()));
        }
    }

    record ErrorJson(String kind, String message, List<WindowJson> windows) {
    }

    /** {@code restore --into ... --json}: the live restore's report. */
    record Live(String source, String target, String server, String outcome, boolean dryRun, String message,
                long planned, Map<String, Long> plannedPerDb, long restored, long skipped, long failed, long expired,
                long filteredOut, long conflicts, long lossy, long functionsRestored, long functionsSkipped,
                long valueBytes, long sentBytes, long reconnects, long retries, long elapsedMs,
                List<KeyJson> skippedKeys, List<KeyJson> failedKeys, List<KeyJson> conflictKeys,
                List<KeyJson> lossyKeys) {
        static Live of(LiveReport r, String what, RedisUri uri) {
            Map<String, Long> perDb = new LinkedHashMap<>();
            r.plannedPerDb().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .forEach(e -> perDb.put(Integer.toString(e.getKey()), e.getValue()));
            return new Live(what, uri.toString(), r.target(), r.outcome().name().toLowerCase(Locale.ROOT),
                    r.outcome() == LiveReport.Outcome.PLANNED, r.message(), r.planned(), perDb, r.restored(),
                    r.skipped(), r.failed(), r.expired(), r.filteredOut(), r.conflicts(), r.lossy(),
                    r.functionsRestored(), r.functionsSkipped(), r.valueBytes(), r.sentBytes(), r.reconnects(),
                    r.retries(), r.elapsedMs(), KeyJson.of(r.skippedKeys()), KeyJson.of(r.failedKeys()),
                    KeyJson.of(r.conflictKeys()), KeyJson.of(r.lossyKeys()));
        }
    }

    /** A key a report names; db null when the report has none for it. */
    record KeyJson(Integer db, String key, String reason) {
        static List<KeyJson> of(List<LiveReport.KeyRef> keys) {
            return keys.stream().map(k -> new KeyJson(k.db() < 0 ? null : k.db(), k.key(), k.reason())).toList();
        }
    }

    /** {@code undo --json}: the accident, what the log did since, then the live restore's report. */
    record UndoJson(CommandJson accident, String timeline, String snapshot, boolean applied, long commandsSince,
                    long keysWrittenSince, boolean flushedSince, long toRestore, List<SampleKey> sampleKeys,
                    @JsonUnwrapped Live report, String hardening) {
        static UndoJson of(Undo.Result r, boolean applied, RedisUri uri, String hardening) {
            Plan.Matched m = r.plan().matched();
            return new UndoJson(CommandJson.of(m), r.plan().timeline().toString(), r.plan().snapshot().id().toString(),
                    applied, r.commandsSince(), r.keysWrittenSince(), r.flushedSince(), r.report().toWrite(),
                    r.report().sampleKeys().stream().map(k -> new SampleKey(k.db(), k.key())).toList(),
                    Live.of(r.report(), "source before " + m.command(), uri), hardening);
        }
    }

    record SampleKey(int db, String key) {
    }
}
