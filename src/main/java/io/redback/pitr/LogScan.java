package io.redback.pitr;

import io.redback.aof.AofTime;
import io.redback.aof.CommandText;
import io.redback.aof.CutPoint;
import io.redback.aof.CutReport.Adjustment;
import io.redback.log.Damage;
import io.redback.log.LogCursor;
import io.redback.log.SegmentReader;
import io.redback.log.StreamCommands;
import io.redback.log.Tx;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import io.redback.resp.RespCommand;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The reading half of planning: one pass over a run's segments from a snapshot's offset on,
 * verifying every segment it reads (sizes, SHA-256s, layout), that finds where a {@link CutPoint}
 * falls. Like {@code aof cut}, a cut is only placed at a command boundary where no MULTI is open:
 * a point inside a transaction goes back to before its MULTI, an offset inside a command to the
 * command's start. It counts the commands to replay (PING and REPLCONF apart) and notes the
 * database and {@code #TS} second at every later snapshot it passes, so that the plan can start
 * from the newest snapshot at or before the cut. The database, {@code #TS} second and open
 * transaction come from a {@link LogCursor}, a fresh one (database and time carried) from the
 * snapshot's offset on: a transaction open there means the log and the snapshot do not fit.
 */
final class LogScan {
    /** Counts and state at a command boundary outside transactions. */
    record Checkpoint(long commands, long dropped, int db, long time) {
    }

    private enum Decision { HERE, PREVIOUS }

    private final Storage storage;
    private final Run run;
    private final long from;
    private final CutPoint point;
    private final Set<Long> snapshotOffsets = new HashSet<>();

    boolean found;
    long cut = -1;
    Adjustment adjustment = Adjustment.NONE;
    Plan.Matched matched;
    long stopTime = -1;
    final Map<Long, Checkpoint> checkpoints = new HashMap<>();
    final List<String> notes = new ArrayList<>();

    // the state as the pass goes
    private LogCursor cursor = new LogCursor();
    private boolean passedFrom;
    private long lastSafe = -1;
    private long commands;
    private long dropped;
    private Checkpoint safe;
    private long lastCommandStart = -1;

    LogScan(Storage storage, Run run, SnapshotManifest start, CutPoint point) {
        this.storage = storage;
        this.run = run;
        this.from = start.replicationOffset();
        this.point = point;
        for (SnapshotManifest m : run.snapshots) {
            if (m.replicationOffset() >= from) {
                snapshotOffsets.add(m.replicationOffset());
            }
        }
    }

    /** Reads until the cut is found (a --before pattern may find none: then {@code found} is false). */
    LogScan run() throws IOException, RestoreException {
        List<SegmentManifest> segments = run.between(from, Long.MAX_VALUE);
        boolean first = true;
        for (SegmentManifest s : segments) {
            if (first) {
                cursor = new LogCursor(Math.max(0, s.selectedDb()), -1, -1);
            } else if (s.selectedDb() >= 0 && s.selectedDb() != cursor.db()) {
                throw new RestoreException(RestoreException.Kind.DAMAGED, "segment " + s.object() + " says db "
                        + s.selectedDb() + " is selected at offset " + s.startOffset() + ", but the log before it selects db "
                        + cursor.db() + ": the segments do not continue each other");
            }
            first = false;
            if (s.startOffset() >= from && cutsAtStart(s)) {
                if (!passedFrom) {
                    passFrom();
                }
                decide(Decision.HERE, s.startOffset());
                return this;
            }
            read(s);
            if (found) {
                return this;
            }
        }
        if (!passedFrom) {
            passFrom(); // nothing after the snapshot: it is the end of the run
        }
        // The end of the run: everything up to it is kept, for a time after the last #TS or an offset at the end.
        if (point instanceof CutPoint.At || point instanceof CutPoint.Offset) {
            decide(Decision.HERE, run.end);
            if (point instanceof CutPoint.At at) {
                notes.add("the log of this window ends at offset " + run.end + " (" + run.window.toTime() + "); no command "
                        + "after " + AofTime.iso(at.time()) + " was shipped, so the restore keeps everything up to there");
            }
        }
        return this;
    }

    /**
     * Whether the cut is at the segment's start, known from its manifest without reading it: its
     * first command (which always has a #TS line) arrived after an --at time, or it starts at an
     * --offset. So a restore never reads the segments after its cut.
     */
    private boolean cutsAtStart(SegmentManifest s) {
        if (point instanceof CutPoint.At at && s.firstArrival().getEpochSecond() > at.time()) {
            stopTime = s.firstArrival().getEpochSecond();
            return true;
        }
        return point instanceof CutPoint.Offset o && o.offset() == s.startOffset();
    }

    private void read(SegmentManifest s) throws IOException, RestoreException {
        try (VerifiedObject object = DataObjects.open(storage, VerifiedObject.Expected.of(s))) {
            SegmentReader r = new SegmentReader(object.raw(), s);
            try {
                SegmentReader.Event ev;
                while ((ev = r.next()) != SegmentReader.Event.END) {
                    if (!found) {
                        item(ev, r);
                    }
                }
            } catch (Damage e) {
                DataObjects.verify(object); // a damaged object is the better explanation
                throw DataObjects.damaged(e);
            } catch (RestoreException e) {
                DataObjects.verify(object);
                throw e;
            }
            DataObjects.verify(object);
        }
    }

    private void item(SegmentReader.Event ev, SegmentReader r) throws RestoreException {
        long b = r.start();
        if (!passedFrom) {
            if (ev == SegmentReader.Event.COMMAND && b < from && r.end() > from) {
                throw new RestoreException(RestoreException.Kind.DAMAGED, "the snapshot's offset " + from
                        + " falls inside the command at offsets " + b + ".." + r.end() + " of segment "
                        + r.segment().object() + ": the snapshot and the log do not fit together");
            }
            if (b >= from) {
                passFrom();
            }
        }
        if (passedFrom) {
            Decision d = decision(ev, r, b);
            if (d != null) {
                if (point instanceof CutPoint.Before) {
                    matched = new Plan.Matched(CommandText.line(r.command(), 100), b, cursor.db(), cursor.time());
                }
                decide(d, b);
                return;
            }
            if (cursor.openTransaction() < 0) {
                lastSafe = b;
                safe = current();
                if (snapshotOffsets.contains(b)) {
                    checkpoints.put(b, safe);
                }
            }
        }
        switch (ev) {
            case TIMESTAMP -> cursor.timestamp(r.timestamp());
            case COMMAND -> command(r);
            default -> {
            }
        }
    }

    private Checkpoint current() {
        return new Checkpoint(commands, dropped, cursor.db(), cursor.time());
    }

    private void passFrom() {
        passedFrom = true;
        lastSafe = from;
        cursor = new LogCursor(cursor.db(), cursor.time(), -1);
        safe = current();
        checkpoints.put(from, safe);
    }

    private void command(SegmentReader r) throws RestoreException {
        RespCommand c = r.command();
        long open = cursor.openTransaction();
        Tx tx = cursor.command(c, r.start());
        if (!passedFrom) {
            return; // only the database matters before the snapshot's offset
        }
        lastCommandStart = r.start();
        if (StreamCommands.isStreamOnly(c)) {
            dropped++;
        } else {
            commands++;
        }
        if (cursor.unpaired()) {
            throw txDamage(r, tx == Tx.MULTI ? "MULTI inside the transaction opened at offset " + open
                    : "EXEC without a MULTI after the snapshot's offset " + from);
        }
    }

    private RestoreException txDamage(SegmentReader r, String what) {
        return new RestoreException(RestoreException.Kind.DAMAGED, "segment " + r.segment().object() + ": " + what
                + " at offset " + r.start() + "; the log is damaged (or a snapshot's offset lies inside a transaction)");
    }

    /** Whether the cut goes at boundary b, the offset before the item just read. */
    private Decision decision(SegmentReader.Event ev, SegmentReader r, long b) {
        if (point instanceof CutPoint.At at) {
            if (ev == SegmentReader.Event.TIMESTAMP && r.timestamp() > at.time()) {
                stopTime = r.timestamp();
                return Decision.HERE;
            }
            return null;
        }
        if (point instanceof CutPoint.Before before) {
            if (ev != SegmentReader.Event.COMMAND || !before.pattern().matches(r.command())) {
                return null;
            }
            long time = cursor.time();
            return before.after() < 0 || (time >= 0 && time >= before.after()) ? Decision.HERE : null;
        }
        long n = ((CutPoint.Offset) point).offset();
        return b == n ? Decision.HERE : b > n ? Decision.PREVIOUS : null;
    }

    /** Places the cut for a decision at boundary b. */
    private void decide(Decision d, long b) {
        found = true;
        boolean open = cursor.openTransaction() >= 0;
        if (d == Decision.HERE && !open) {
            cut = b;
            adjustment = Adjustment.NONE;
            checkpoints.put(cut, current());
        } else {
            cut = lastSafe;
            adjustment = d == Decision.PREVIOUS && lastSafe == lastCommandStart ? Adjustment.ROUNDED_DOWN
                    : Adjustment.BEFORE_MULTI;
            checkpoints.put(cut, safe);
        }
        explain(b);
    }

    private void explain(long b) {
        if (adjustment == Adjustment.ROUNDED_DOWN) {
            notes.add("offset " + ((CutPoint.Offset) point).offset() + " is inside the command at offsets " + cut + ".."
                    + b + "; rounded down to offset " + cut + ", where that command starts");
        } else if (adjustment == Adjustment.BEFORE_MULTI) {
            notes.add("the point falls inside the MULTI/EXEC block that starts at offset " + cut
                    + "; cut before its MULTI so the transaction stays whole");
        }
    }

    /** What is known at offset o: the scan's start, a later snapshot's offset passed, or the cut. */
    Checkpoint at(long o) {
        return checkpoints.get(o);
    }
}
