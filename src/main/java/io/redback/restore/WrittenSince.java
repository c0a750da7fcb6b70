package io.redback.restore;

import io.redback.aof.KeyArgs;
import io.redback.log.Damage;
import io.redback.log.SegmentReader;
import io.redback.pitr.Plan;
import io.redback.pitr.RestoreException;
import io.redback.repo.SegmentManifest;
import io.redback.storage.Storage;
import io.redback.repo.Timeline;
import io.redback.repo.VerifiedObject;
import io.redback.resp.RespCommand;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Set;

/**
 * The keys the shipped log changes after an accident (the command {@code undo} undoes): read
 * from the matched command to the end of the timeline's contiguous log, following SELECT. These
 * keys were written since, so undo leaves them as they are now, present or deleted. A FLUSHDB,
 * FLUSHALL or SWAPDB after the accident touches every key of its databases.
 */
final class WrittenSince implements LiveRestore.LeaveAlone {
    private record DbKey(int db, ByteBuffer key) {}

    private final Set<DbKey> keys = new HashSet<>();
    private final Set<Integer> flushedDbs = new HashSet<>();
    private boolean flushedAll;
    long commands;
    long tooLong;

    @Override
    public String why(int db, byte[] key) {
        if (flushedAll || flushedDbs.contains(db)) {
            return "its database was flushed (or swapped) again after the accident: left as it is now";
        }
        return keys.contains(new DbKey(db, ByteBuffer.wrap(key))) ? "written since the accident: kept as it is now"
                : null;
    }

    /** Keys (and whole databases) the log changes after the matched command. */
    long size() {
        return keys.size();
    }

    boolean flushedSince() {
        return flushedAll || !flushedDbs.isEmpty();
    }

    static WrittenSince scan(Storage storage, Timeline timeline, Plan.Matched accident)
            throws IOException, RestoreException {
        WrittenSince w = new WrittenSince();
        int db = accident.db();
        for (SegmentManifest s : timeline.contiguous()) {
            if (s.endOffset() <= accident.offset()) {
                continue;
            }
            try (VerifiedObject object = VerifiedObject.open(storage, VerifiedObject.Expected.of(s))) {
                SegmentReader r = new SegmentReader(object.raw(), s);
                SegmentReader.Event ev;
                while ((ev = r.next()) != SegmentReader.Event.END) {
                    if (ev != SegmentReader.Event.COMMAND || r.start() <= accident.offset()) {
                        continue; // before the accident, or the accident itself
                    }
                    db = w.command(r.command(), db);
                }
                String problem = object.problem();
                if (problem != null) {
                    throw new RestoreException(RestoreException.Kind.DAMAGED, problem);
                }
            } catch (Damage e) {
                throw new RestoreException(RestoreException.Kind.DAMAGED, e.getMessage());
            }
        }
        return w;
    }

    /** Records what one command writes; returns the database selected after it. */
    private int command(RespCommand c, int db) {
        commands++;
        if (c.argCount() == 0 || !c.retained(0)) {
            return db;
        }
        if (c.argEqualsIgnoreCase(0, "select") && c.argCount() > 1) {
            return (int) c.argLong(1, db);
        }
        if (c.argEqualsIgnoreCase(0, "flushall") || c.argEqualsIgnoreCase(0, "swapdb")) {
            flushedAll = true;
            return db;
        }
        if (c.argEqualsIgnoreCase(0, "flushdb")) {
            flushedDbs.add(db);
            return db;
        }
        for (int i : KeyArgs.written(c)) {
            if (c.retained(i)) {
                keys.add(new DbKey(db, ByteBuffer.wrap(c.arg(i))));
            } else {
                tooLong++;
            }
        }
        return db;
    }
}
