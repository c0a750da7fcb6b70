package io.redback.restore;

import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbVisitor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The first pass of a live restore: reads (and so verifies) the whole source, counts what will be
 * restored, finds keys of types the target cannot read and, when the policy or a dry run needs
 * it, asks the target which keys already exist ({@code EXISTS}, pipelined). Writes nothing.
 */
final class PreScan implements RdbVisitor {
    private final LiveRestore.Options options;
    private final TargetServer server;
    private final long nowMs;
    private final LiveRestore.Tally t;
    private final Pipeline probe;
    private final Map<String, String> libraries;
    private final KeyFilter.Matcher matcher;
    private final boolean askExists;
    /** Libraries the target already holds with the same code: nothing to do for them. */
    final Set<String> sameLibraries = new HashSet<>();
    /** Keys (by their position in the file, counted from 1) whose value goes in batches, not one RESTORE. */
    final Set<Long> bigKeys = new HashSet<>();
    RdbHeader header;
    long incompatible;
    /** The first key of a type the target cannot read, with why. */
    String firstIncompatible;
    /** Keys refused by --lossy fail, and the first of them. */
    long lossyRefused;
    final java.util.List<String> firstLossy = new java.util.ArrayList<>();
    /** Keys to re-encode for the target (the writing pass then reads values). */
    long reencode;
    private final RdbTarget target;
    private boolean planned;
    private long ordinal;

    PreScan(LiveRestore.Options options, TargetServer server, long nowMs, LiveRestore.Tally t, Pipeline probe,
            Map<String, String> libraries) {
        this.options = options;
        this.server = server;
        this.nowMs = nowMs;
        this.t = t;
        this.probe = probe;
        this.libraries = libraries;
        this.matcher = options.filter().matcher();
        this.askExists = options.onConflict() == OnConflict.FAIL || options.dryRun();
        this.target = server.rdbTarget();
    }

    @Override
    public boolean wantsValues() {
        return false;
    }

    @Override
    public void header(RdbHeader h) {
        header = h;
    }

    @Override
    public void function(byte[] code) {
        if (!options.functions()) {
            return;
        }
        String name = LiveRestore.libraryName(code);
        if (name == null || !libraries.containsKey(name)) {
            return;
        }
        String theirs = libraries.get(name);
        if (theirs != null && Arrays.equals(theirs.getBytes(java.nio.charset.StandardCharsets.UTF_8), code)) {
            sameLibraries.add(name);
            return;
        }
        t.conflicts++;
        LiveRestore.Tally.add(t.conflictKeys, -1, "function library " + name, "the target has a library of that "
                + "name with other code");
    }

    @Override
    public void startKey(RdbKey key) {
        planned = false;
        ordinal++;
        if (!matcher.accepts(key)) {
            t.filteredOut++;
            return;
        }
        if (key.hasExpiry() && key.expireAtMs() <= nowMs) {
            t.expired++;
            return;
        }
        int db = options.filter().targetDb(key.db());
        String why = options.leaveAlone() == null ? null : options.leaveAlone().why(db, key.name());
        if (why != null) {
            t.skipped++;
            LiveRestore.Tally.add(t.skippedKeys, db, key.printableName(), why);
            return;
        }
        Reencoder.Form form = Reencoder.form(key.type(), target);
        if (form == Reencoder.Form.LOSSY && options.lossy() == Lossy.SKIP_KEY) {
            t.skipped++;
            t.lossy++;
            LiveRestore.Tally.add(t.skippedKeys, db, key.printableName(), "left out (--lossy skip-key): "
                    + Lossy.REASON);
            LiveRestore.Tally.add(t.lossyKeys, db, key.printableName(), "left out: " + Lossy.REASON);
            return;
        }
        planned = true;
        t.planned++;
        t.perDb.merge(db, 1L, Long::sum);
        switch (form) {
            case UNREADABLE -> {
                incompatible++;
                t.lossy++;
                String cannot = key.type().dataType() + " encoded as " + key.type().encoding() + " (RDB "
                        + key.type().sinceVersion() + "+), which " + t.target + " does not read";
                LiveRestore.Tally.add(t.lossyKeys, db, key.printableName(), cannot);
                if (firstIncompatible == null) {
                    firstIncompatible = key.printableName() + " (" + cannot + ")";
                }
            }
            case LOSSY -> {
                t.lossy++;
                reencode++;
                if (options.lossy() == Lossy.FAIL) {
                    lossyRefused++;
                    if (firstLossy.size() < 5) {
                        firstLossy.add(key.printableName());
                    }
                    LiveRestore.Tally.add(t.lossyKeys, db, key.printableName(), Lossy.REASON);
                } else {
                    LiveRestore.Tally.add(t.lossyKeys, db, key.printableName(), "written without its field TTLs "
                            + "(--lossy drop-field-ttl)");
                }
            }
            case REENCODE -> reencode++;
            default -> { }
        }
        if (!askExists) {
            LiveRestore.Tally.add(t.sampleKeys, db, key.printableName(), "to restore");
        } else {
            String name = key.printableName();
            try {
                probe.select(db);
                probe.send((reply, resent) -> {
                    if (reply instanceof Long n && n > 0) {
                        t.conflicts++;
                        LiveRestore.Tally.add(t.conflictKeys, db, name, "exists in the target");
                    } else if (reply instanceof Long) {
                        LiveRestore.Tally.add(t.sampleKeys, db, name, "missing in the target");
                    } else if (!(reply instanceof Long)) {
                        throw new Pipeline.StopRestore("EXISTS " + name + " in db " + db + " answered " + reply);
                    }
                }, key.name().length + 32L, "EXISTS", key.name());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public void endKey(RdbKey key, long elements, long valueBytes) {
        if (planned) {
            t.valueBytes += valueBytes;
            if (valueBytes > options.bigKeySize() && BigKey.handles(key.type())) {
                bigKeys.add(ordinal);
            }
        }
    }
}
