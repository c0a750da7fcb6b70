package io.redback.restore;

import io.redback.rdb.Printable;
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
    private static final byte[] EXISTS = "EXISTS".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private final Pipeline.Reply exists = this::onExists;
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
    /** Keys (by position) lossy by their value: a field TTL still running, into a target without them. */
    final Set<Long> lossyKeys = new HashSet<>();
    /** Whether values are read: only when a key may be lossy, which its value decides. */
    private final boolean valuesSeen;
    private boolean deferred;
    private long liveTtls;
    private int countedDb = -1;
    /**
     * A reader that skips values hands out key names and function code cut to their first 64 KiB
     * ({@link RdbVisitor#wantsValues}): when one is that long, the writing pass reads values so
     * that it gets them whole.
     */
    static final int CUT_NAME = 64 << 10;
    boolean longNames;
    /** Keys (by position) whose name the pre-scan saw cut: asked about by {@link #wholeNames} instead. */
    final Set<Long> cutNamesToAsk = new HashSet<>();
    private long countedKeys;

    /** The target's databases that held keys when the restore started (the others cannot conflict). */
    private final Set<Integer> filledDbs;

    PreScan(LiveRestore.Options options, TargetServer server, long nowMs, LiveRestore.Tally t, Pipeline probe,
            Map<String, String> libraries, boolean mayHoldFieldTtls, Set<Integer> filledDbs) {
        this.filledDbs = filledDbs;
        this.options = options;
        this.server = server;
        this.nowMs = nowMs;
        this.t = t;
        this.probe = probe;
        this.libraries = libraries;
        this.matcher = options.filter().matcher();
        this.askExists = options.onConflict() == OnConflict.FAIL || options.dryRun();
        this.target = server.rdbTarget();
        this.valuesSeen = mayHoldFieldTtls && Reencoder.mayBeLossy(target);
    }

    @Override
    public boolean wantsValues() {
        return valuesSeen;
    }

    @Override
    public boolean keepsKeyNames() {
        return false; // a name kept for a report is escaped into a String first
    }

    @Override
    public void end(io.redback.rdb.RdbSummary summary) {
        flushDbCount();
    }

    /** Keys planned per target database, added up per run of one database rather than per key. */
    void flushDbCount() {
        if (countedKeys > 0) {
            t.perDb.merge(countedDb, countedKeys, Long::sum);
        }
        countedKeys = 0;
    }

    @Override
    public void header(RdbHeader h) {
        header = h;
    }

    @Override
    public void function(byte[] code) {
        longNames |= code.length >= CUT_NAME;
        if (!options.functions()) {
            return;
        }
        String name = io.redback.rdb.FunctionCode.libraryName(code);
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
        deferred = false;
        ordinal++;
        longNames |= key.name().length >= CUT_NAME;
        if (!matcher.accepts(key)) {
            t.filteredOut++;
            return;
        }
        if (key.hasExpiry() && key.expireAtMs() <= nowMs) {
            t.expired++;
            return;
        }
        Reencoder.Form form = Reencoder.form(key.type(), target);
        if (form == Reencoder.Form.LOSSY && valuesSeen) {
            deferred = true; // lossy or not is in the value: decided at its end
            liveTtls = 0;
            return;
        }
        plan(key, form);
    }

    @Override
    public void element(io.redback.rdb.Element e) {
        if (deferred && Reencoder.liveFieldTtl(e, nowMs)) {
            liveTtls++;
        }
    }

    /** Counts a key that will be restored (or why not), and asks the target about it. */
    private void plan(RdbKey key, Reencoder.Form form) {
        int db = options.filter().targetDb(key.db());
        String why = options.leaveAlone() == null ? null : options.leaveAlone().why(db, key.name());
        if (why != null) {
            t.skipped++;
            LiveRestore.Tally.add(t.skippedKeys, db, key.printableName(), why);
            return;
        }
        if (form == Reencoder.Form.LOSSY) {
            lossyKeys.add(ordinal);
        }
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
        if (db != countedDb) {
            flushDbCount();
            countedDb = db;
        }
        countedKeys++;
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
            if (t.sampleKeys.size() < LiveReport.LIST_LIMIT) { // the name is escaped only when it is kept
                LiveRestore.Tally.add(t.sampleKeys, db, key.printableName(), "to restore");
            }
        } else if (!filledDbs.contains(db)) {
            if (t.sampleKeys.size() < LiveReport.LIST_LIMIT) {
                LiveRestore.Tally.add(t.sampleKeys, db, key.printableName(), "missing in the target");
            }
        } else if (key.name().length >= CUT_NAME) {
            cutNamesToAsk.add(ordinal); // EXISTS of a cut name would answer for another key
        } else {
            ask(db, key.name());
        }
    }

    private void ask(int db, byte[] name) {
        try {
            probe.select(db);
            probe.begin(2);
            probe.arg(EXISTS);
            probe.arg(name);
            probe.end(exists);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A second, rarer pass for the keys in {@link #cutNamesToAsk}: it reads values, so that the
     * names come whole, and asks the target about those keys only.
     */
    RdbVisitor wholeNames() {
        return new RdbVisitor() {
            private long seen;

            @Override
            public boolean wantsValues() {
                return true;
            }

            @Override
            public void startKey(RdbKey key) {
                if (cutNamesToAsk.contains(++seen)) {
                    ask(options.filter().targetDb(key.db()), key.name());
                }
            }
        };
    }

    /** The reply to a key's EXISTS; the key and its database come from the command answered. */
    private void onExists(Object reply, boolean resent) {
        if (!(reply instanceof Long n)) {
            throw new Pipeline.StopRestore("EXISTS " + answeredName() + " in db " + probe.answeredDb() + " answered "
                    + reply);
        }
        if (n > 0) {
            t.conflicts++;
            if (t.conflictKeys.size() < LiveReport.LIST_LIMIT) {
                LiveRestore.Tally.add(t.conflictKeys, probe.answeredDb(), answeredName(), "exists in the target");
            }
        } else if (t.sampleKeys.size() < LiveReport.LIST_LIMIT) {
            LiveRestore.Tally.add(t.sampleKeys, probe.answeredDb(), answeredName(), "missing in the target");
        }
    }

    private String answeredName() {
        byte[] key = probe.answeredArg(1);
        return Printable.escape(key, 0, key.length, 200);
    }

    @Override
    public void endKey(RdbKey key, long elements, long valueBytes) {
        if (deferred) {
            deferred = false;
            plan(key, liveTtls > 0 ? Reencoder.Form.LOSSY : Reencoder.Form.REENCODE);
        }
        if (planned) {
            t.valueBytes += valueBytes;
            if (valueBytes > options.bigKeySize() && BigKey.handles(key.type())) {
                bigKeys.add(ordinal);
            }
        }
    }
}
