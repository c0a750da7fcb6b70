package io.redback.aof;

import io.redback.log.Tx;
import io.redback.rdb.RdbSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/**
 * The reading half of a cut: one streaming pass over the files of an {@link AofSet} that finds
 * where {@link CutPoint} falls and counts what lies on each side. A cut is only ever placed at
 * a boundary between items (commands and {@code #} lines) where no MULTI is open; a point
 * inside a transaction, or an offset inside an item, goes back to the last such boundary.
 * Everything before the cut must read cleanly; what lies after it is counted as far as it can
 * be read (cutting off a damaged tail is a legitimate use).
 */
final class CutScan {
    // --before needs the command name and a few arguments; a huge value is validated, not kept.
    static final int RETAIN_LIMIT = 64 * 1024;

    /** How a boundary relates to the cut point. */
    private enum Decision {
        /** Cut at this boundary. */
        HERE,
        /** The point was inside the item that just ended here: cut at the boundary before it. */
        PREVIOUS
    }

    final AofSet set;
    final CutPoint point;
    final List<AofSet.Part> parts;
    /** Per part: bytes read and validated (what a whole-file copy copies), and the file size. */
    final long[] lengths;
    final long[] sizes;
    /** Where the commands of the single file start (after its RDB preamble); 0 for other files. */
    long commandsStart;
    final int offsetPart;

    boolean found;
    int cutPart = -1;
    long cutOffset = -1;
    CutReport.Adjustment adjustment = CutReport.Adjustment.NONE;
    CutReport.Matched matched;
    long stopTime = -1;
    CutReport.Base base;
    final Tally kept = new Tally();
    final Tally dropped = new Tally();
    final List<String> notes = new ArrayList<>();

    CutScan(AofSet set, CutPoint point) {
        this.set = set;
        this.point = point;
        this.parts = set.parts();
        this.lengths = new long[parts.size()];
        this.sizes = new long[parts.size()];
        this.offsetPart = point instanceof CutPoint.Offset o ? offsetPart(o) : -1;
    }

    /** Reads every file once. */
    CutScan run() throws IOException, AofException {
        if (set.siblingManifest() != null) {
            notes.add("warning: " + set.source().getFileName() + " is part of a multi-part AOF (" + set.siblingManifest()
                    + "); alone it holds only part of the history. Cut the appendonlydir to keep the whole set.");
        }
        long time = -1;
        for (int i = 0; i < parts.size(); i++) {
            AofSet.Part part = parts.get(i);
            sizes[i] = Files.size(part.path());
            AofReader.Options o = AofReader.Options.defaults().withName(part.name()).withInitialTime(time)
                    .withRetainLimit(RETAIN_LIMIT);
            try (AofReader r = AofReader.open(part.path(), o)) {
                if (found) {
                    lengths[i] = sizes[i];
                    countRest(r, part);
                } else if (!part.role().cuttable()) {
                    readBase(i, r);
                } else {
                    scanHistory(i, r);
                }
                time = r.time();
            }
        }
        explain();
        return this;
    }

    private int offsetPart(CutPoint.Offset o) {
        List<String> names = new ArrayList<>();
        int last = -1;
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).role().cuttable()) {
                names.add(parts.get(i).name());
                last = i;
                if (parts.get(i).name().equals(o.file())) {
                    return i;
                }
            }
        }
        if (o.file() == null && last >= 0) {
            return last;
        }
        throw new IllegalArgumentException(o.file() == null
                ? set.source() + " has no incr file to cut at an offset (only a base)"
                : "--offset " + o.file() + ":" + o.offset() + ": " + o.file() + " is not an incr file of " + set.source()
                        + " (its incr files: " + String.join(", ", names) + ")");
    }

    // ---------------------------------------------------------------- the snapshot

    private void readBase(int i, AofReader r) throws IOException, AofException {
        long commands = 0;
        while (r.next() != AofReader.Event.END) {
            if (r.event() == AofReader.Event.COMMAND) {
                commands++;
            }
        }
        lengths[i] = r.position();
        RdbSummary rdb = r.preamble();
        String format = rdb == null ? "AOF" : commands > 0 ? "RDB preamble + AOF" : "RDB";
        base = new CutReport.Base(parts.get(i).name(), format, lengths[i], rdb == null ? -1 : rdb.keys(), commands);
    }

    // ---------------------------------------------------------------- the history

    private void scanHistory(int i, AofReader r) throws IOException, AofException {
        AofSet.Part part = parts.get(i);
        boolean target = offsetPart < 0 || offsetPart == i;
        long lastSafe = -1;      // the last boundary before the current one where no MULTI was open
        boolean prevOpen = false; // whether a MULTI was open at the boundary before the current one
        long multiAt = -1;       // offset of the open MULTI, or -1
        Tally recent = new Tally(); // commands since lastSafe: kept or dropped together
        Step step = step(r, 0);
        AofReader.Event ev = step.event;
        if (part.role() == AofSet.Role.SINGLE && r.preamble() != null) {
            commandsStart = r.commandsStart();
            base = new CutReport.Base(part.name() + " (RDB preamble, bytes 0-" + commandsStart + ")", "RDB",
                    commandsStart, r.preamble().keys(), 0);
        }
        while (true) {
            long start = switch (ev) {
                case COMMAND -> r.command().offset();
                case ANNOTATION -> r.annotation().offset();
                case END -> step.end;
            };
            boolean open = multiAt >= 0;
            Decision d = target ? decide(ev, r, start, part) : null;
            if (d != null) {
                boolean exact = d == Decision.HERE && !open;
                if (!exact && lastSafe < 0) {
                    throw new IllegalArgumentException(point.describe() + ": byte " + ((CutPoint.Offset) point).offset()
                            + " is inside the RDB preamble of " + part.name() + ", which ends at byte " + start
                            + "; the earliest cut is at byte " + start);
                }
                found = true;
                cutPart = i;
                cutOffset = exact ? start : lastSafe;
                adjustment = exact ? CutReport.Adjustment.NONE
                        : d == Decision.HERE || prevOpen ? CutReport.Adjustment.BEFORE_MULTI : CutReport.Adjustment.ROUNDED_DOWN;
                (exact ? kept : dropped).add(recent);
                if (ev == AofReader.Event.COMMAND) {
                    dropped.add(r.command());
                }
                lengths[i] = cutOffset;
                if (step.damage != null) {
                    damagedAfterCut(part, step.damage);
                } else if (ev != AofReader.Event.END) {
                    countRest(r, part);
                }
                return;
            }
            if (step.damage != null) {
                throw step.damage; // the point lies beyond the damage: nothing trustworthy to cut there
            }
            if (!open) {
                kept.add(recent);
                recent = new Tally();
                lastSafe = start;
            }
            if (ev == AofReader.Event.END) {
                if (target && point instanceof CutPoint.Offset o) {
                    throw new IllegalArgumentException(point.describe() + ": " + part.name() + " has only " + start
                            + " bytes; the offset must be at most that");
                }
                lengths[i] = start;
                return;
            }
            if (ev == AofReader.Event.COMMAND) {
                AofCommand c = r.command();
                recent.add(c);
                if (c.tx() == Tx.MULTI) {
                    multiAt = c.offset();
                } else if (c.tx() == Tx.EXEC) {
                    multiAt = -1;
                }
            }
            prevOpen = open;
            step = step(r, r.position());
            ev = step.event;
        }
    }

    /**
     * What the reader found next. A read that fails outside the RDB preamble ends the input at
     * the boundary before the failing item ({@code end}), so that a cut exactly there (the
     * offset {@code check} names) is still possible; the damage is kept to be reported, or
     * thrown if the cut point lies beyond it.
     */
    private record Step(AofReader.Event event, long end, AofException damage) {
    }

    private static Step step(AofReader r, long before) throws IOException, AofException {
        try {
            AofReader.Event ev = r.next();
            return new Step(ev, ev == AofReader.Event.END ? r.position() : -1, null);
        } catch (AofException e) {
            if (e.inPreamble()) {
                throw e;
            }
            return new Step(AofReader.Event.END, Math.max(before, r.commandsStart()), e);
        }
    }

    private void damagedAfterCut(AofSet.Part part, AofException e) {
        dropped.partial = true;
        notes.add("the dropped part of " + part.name() + " is damaged at byte " + e.offset() + " (" + e.detail()
                + "); the dropped counts cover what came before it");
    }

    /** Whether the cut goes at {@code start}, the boundary before the item just read (or the end). */
    private Decision decide(AofReader.Event ev, AofReader r, long start, AofSet.Part part) {
        if (point instanceof CutPoint.At at) {
            if (ev == AofReader.Event.ANNOTATION && r.annotation().isTimestamp() && r.annotation().timestamp() > at.time()) {
                stopTime = r.annotation().timestamp();
                return Decision.HERE;
            }
            return null;
        }
        if (point instanceof CutPoint.Before b) {
            if (ev != AofReader.Event.COMMAND) {
                return null;
            }
            AofCommand c = r.command();
            if (!b.pattern().matches(c) || (b.after() >= 0 && c.time() < b.after())) {
                return null;
            }
            matched = new CutReport.Matched(CommandText.line(c.resp(), 100), part.name(),
                    c.offset(), c.db(), c.time());
            return Decision.HERE;
        }
        CutPoint.Offset o = (CutPoint.Offset) point;
        return start == o.offset() ? Decision.HERE : start > o.offset() ? Decision.PREVIOUS : null;
    }

    /** Counts what follows the cut, as far as it reads; damage there is reported, not fatal. */
    private void countRest(AofReader r, AofSet.Part part) throws IOException {
        try {
            while (r.next() != AofReader.Event.END) {
                if (r.event() == AofReader.Event.COMMAND) {
                    dropped.add(r.command());
                }
            }
        } catch (AofException e) {
            damagedAfterCut(part, e);
        }
    }

    // ---------------------------------------------------------------- what it means

    private void explain() {
        if (!found && point instanceof CutPoint.At at) {
            notes.add("no #TS annotation is later than " + AofTime.iso(at.time()) + ": everything is kept"
                    + (kept.lastTime >= 0 ? " (the last is " + AofTime.iso(kept.lastTime) + ")" : ""));
        }
        if (!found && point instanceof CutPoint.Before b) {
            notes.add("no command matches '" + b.pattern() + "'" + (b.after() >= 0 ? " at or after "
                    + AofTime.iso(b.after()) : "") + " in the command history; nothing was written");
        }
        if (found && point instanceof CutPoint.Offset o) {
            String file = parts.get(cutPart).name();
            switch (adjustment) {
                case ROUNDED_DOWN -> notes.add("byte " + o.offset() + " of " + file + " is not a command boundary; "
                        + "rounded down to byte " + cutOffset + ", the start of the item it falls in");
                case BEFORE_MULTI -> notes.add("byte " + o.offset() + " of " + file + " is inside the MULTI/EXEC block "
                        + "that starts at byte " + cutOffset + "; cut before its MULTI so the transaction stays whole");
                case NONE -> {
                }
            }
        } else if (found && adjustment == CutReport.Adjustment.BEFORE_MULTI) {
            notes.add("the point falls inside the MULTI/EXEC block that starts at byte " + cutOffset + " of "
                    + parts.get(cutPart).name() + "; cut before its MULTI so the transaction stays whole");
        }
        if (found && kept.commands == 0) {
            notes.add("nothing of the command history is kept" + (base != null ? ": the result is the base snapshot "
                    + base.name() + " alone" : ": the result is empty"));
        }
        if (point instanceof CutPoint.At && kept.untimed > 0) {
            notes.add(kept.untimed + " kept command(s) come before any #TS annotation, so their time is unknown; "
                    + "kept, as redis-check-aof keeps them");
        }
    }

    /** Bytes of command history kept (before the cut) and in all. */
    long keptBytes() {
        long n = 0;
        for (int i = 0; i < parts.size(); i++) {
            AofSet.Part p = parts.get(i);
            if (p.role().cuttable() && (cutPart < 0 || i <= cutPart)) {
                n += lengths[i] - historyStart(i);
            }
        }
        return n;
    }

    long historyBytes() {
        long n = 0;
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).role().cuttable()) {
                n += sizes[i] - historyStart(i);
            }
        }
        return n;
    }

    long historyStart(int i) {
        return parts.get(i).role() == AofSet.Role.SINGLE ? commandsStart : 0;
    }

    /** Where the kept part of file {@code i} ends. */
    long keptEnd(int i) {
        return i == cutPart ? cutOffset : lengths[i];
    }

    /** Commands counted on one side of the cut, with their {@code #TS} range. */
    static final class Tally {
        long commands;
        long transactions;
        long untimed;
        long firstTime = -1;
        long lastTime = -1;
        boolean partial;

        void add(AofCommand c) {
            commands++;
            if (c.tx() == Tx.EXEC) {
                transactions++;
            }
            if (c.time() < 0) {
                untimed++;
            } else {
                if (firstTime < 0 || c.time() < firstTime) {
                    firstTime = c.time();
                }
                lastTime = Math.max(lastTime, c.time());
            }
        }

        void add(Tally t) {
            commands += t.commands;
            transactions += t.transactions;
            untimed += t.untimed;
            if (t.firstTime >= 0 && (firstTime < 0 || t.firstTime < firstTime)) {
                firstTime = t.firstTime;
            }
            lastTime = Math.max(lastTime, t.lastTime);
            partial |= t.partial;
        }

        CutReport.Side side(long bytes) {
            return new CutReport.Side(commands, transactions, bytes, firstTime, lastTime, partial);
        }
    }
}
