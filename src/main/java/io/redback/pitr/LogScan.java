package io.redback.pitr;

import io.redback.aof.AofTime;
import io.redback.aof.CommandText;
import io.redback.aof.CutPoint;
import io.redback.aof.CutReport.Adjustment;
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
 * from the newest snapshot at or before the cut.
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
    private int db;
    private long time = -1;
    private long multiAt = -1;
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
                db = Math.max(0, s.selectedDb());
            } else if (s.selectedDb() >= 0 && s.selectedDb() != db) {
                throw new RestoreException(RestoreException.Kind.DAMAGED, "segment " + s.object() + " says db "
                        + s.selectedDb() + " is selected at offset " + s.startOffset() + ", but the log before it selects db "
                        + db + ": the segments do not continue each other");
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
            LogReader r = new LogReader(object.raw(), s);
            try {
                LogReader.Event ev;
                while ((ev = r.next()) != LogReader.Event.END) {
                    if (!found) {
                        item(ev, r);
                    }
                }
            } catch (RestoreException e) {
                DataObjects.verify(object); // a damaged object is the better explanation
                throw e;
            }
            DataObjects.verify(object);
        }
    }

    private void item(LogReader.Event ev, LogReader r) throws RestoreException {
        long b = r.start();
        if (!passedFrom) {
            if (ev == LogReader.Event.COMMAND && b < from && r.end() > from) {
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
                    matched = new Plan.Matched(CommandText.line(r.command(), 100), b, db, time);
                }
                decide(d, b);
                return;
            }
            if (multiAt < 0) {
                lastSafe = b;
                safe = current();
                if (snapshotOffsets.contains(b)) {
                    checkpoints.put(b, safe);
                }
            }
        }
        switch (ev) {
            case TIMESTAMP -> time = r.timestamp();
            case COMMAND -> command(r);
            default -> {
            }
        }
    }

    private Checkpoint current() {
        return new Checkpoint(commands, dropped, db, time);
    }

    private void passFrom() {
        passedFrom = true;
        lastSafe = from;
        multiAt = -1;
        safe = current();
        checkpoints.put(from, safe);
    }

    private void command(LogReader r) throws RestoreException {
        RespCommand c = r.command();
        if (c.argCount() >= 2 && c.argEqualsIgnoreCase(0, "SELECT")) {
            long n = c.argLong(1, -1);
            if (n >= 0 && n <= Integer.MAX_VALUE) {
                db = (int) n;
            }
        }
        if (!passedFrom) {
            return;
        }
        lastCommandStart = r.start();
        if (Commands.isStreamOnly(c)) {
            dropped++;
        } else {
            commands++;
        }
        if (c.argEqualsIgnoreCase(0, "MULTI")) {
            if (multiAt >= 0) {
                throw txDamage(r, "MULTI inside the transaction opened at offset " + multiAt);
            }
            multiAt = r.start();
        } else if (c.argEqualsIgnoreCase(0, "EXEC")) {
            if (multiAt < 0) {
                throw txDamage(r, "EXEC without a MULTI after the snapshot's offset " + from);
            }
            multiAt = -1;
        }
    }

    private RestoreException txDamage(LogReader r, String what) {
        return new RestoreException(RestoreException.Kind.DAMAGED, "segment " + r.segment().object() + ": " + what
                + " at offset " + r.start() + "; the log is damaged (or a snapshot's offset lies inside a transaction)");
    }

    /** Whether the cut goes at boundary b, the offset before the item just read. */
    private Decision decision(LogReader.Event ev, LogReader r, long b) {
        if (point instanceof CutPoint.At at) {
            if (ev == LogReader.Event.TIMESTAMP && r.timestamp() > at.time()) {
                stopTime = r.timestamp();
                return Decision.HERE;
            }
            return null;
        }
        if (point instanceof CutPoint.Before before) {
            if (ev != LogReader.Event.COMMAND || !before.pattern().matches(r.command())) {
                return null;
            }
            return before.after() < 0 || (time >= 0 && time >= before.after()) ? Decision.HERE : null;
        }
        long n = ((CutPoint.Offset) point).offset();
        return b == n ? Decision.HERE : b > n ? Decision.PREVIOUS : null;
    }

    /** Places the cut for a decision at boundary b. */
    private void decide(Decision d, long b) {
        found = true;
        boolean open = multiAt >= 0;
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
