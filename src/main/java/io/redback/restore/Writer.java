package io.redback.restore;

import io.redback.rdb.Element;
import io.redback.rdb.Printable;
import io.redback.rdb.RdbConstants;
import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbType;
import io.redback.rdb.RdbVisitor;
import io.redback.redis.RedisErrorReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The writing pass of a live restore: every selected key that is still alive goes as one
 * pipelined {@code RESTORE} built from the file's own value bytes, in its (mapped) database
 * (a value above the big-key size goes in batches through {@link BigKey}; a plain string as
 * {@code SET}, the cheapest faithful form); function libraries with {@code FUNCTION LOAD}.
 * Replies are counted as they come back.
 */
final class Writer implements RdbVisitor {
    private final LiveRestore.Options options;
    private final PreScan scan;
    private final long nowMs;
    private final LiveRestore.Tally t;
    private final Pipeline pipe;
    private final Map<String, String> libraries;
    private final KeyFilter.Matcher matcher;
    private final DumpPayload payload = new DumpPayload();
    private final Pipeline.Reply restored = this::onRestored;
    private final RawValueSink payloadSink = payload::write; // one for all keys
    private final TargetServer server;
    private final Reencoder reencoder;
    private final RdbBytes reencoded = new RdbBytes();
    private final RdbTarget target;
    private static final byte[] RESTORE = bytes("RESTORE");
    private static final byte[] REPLACE = bytes("REPLACE");
    private static final byte[] ABSTTL = bytes("ABSTTL");
    private static final byte[] FREQ = bytes("FREQ");
    private static final byte[] IDLETIME = bytes("IDLETIME");
    private static final byte[] SET = bytes("SET");
    private static final byte[] NX = bytes("NX");
    private static final byte[] PXAT = bytes("PXAT");
    private boolean setsStrings; // until the target refuses SET to this user: RESTORE then
    /** Strings whose SET the target refused (NOPERM), to send again as RESTORE: at most a window's worth. */
    private final List<RefusedSet> refusedSets = new ArrayList<>();

    private record RefusedSet(int db, byte[] key, byte[] value, long deadline) {
    }
    private int version;
    private RdbKey current;
    private boolean reencoding;
    private BigKey big;
    private long ordinal;

    Writer(LiveRestore.Options options, PreScan scan, TargetServer server, long nowMs, LiveRestore.Tally t,
           Pipeline pipe, Map<String, String> libraries) {
        this.options = options;
        this.scan = scan;
        this.server = server;
        this.nowMs = nowMs;
        this.t = t;
        this.pipe = pipe;
        this.libraries = libraries;
        this.matcher = options.filter().matcher();
        this.target = server.rdbTarget();
        this.reencoder = new Reencoder(target, nowMs);
        this.setsStrings = server.setsWithDeadline();
    }

    @Override
    public boolean wantsValues() {
        // the elements of big keys and of values to re-encode; the rest still goes as raw bytes
        // (and whole key names and function code when one is 64 KiB or longer: see PreScan.CUT_NAME)
        return !scan.bigKeys.isEmpty() || scan.reencode > 0 || scan.longNames;
    }

    @Override
    public boolean keepsKeyNames() {
        return false; // a name goes into the command (copied) or a report (escaped into a String)
    }

    @Override
    public void header(RdbHeader h) {
        version = target.payloadVersion(h);
    }

    @Override
    public void function(byte[] code) {
        if (!options.functions()) {
            return;
        }
        String name = io.redback.rdb.FunctionCode.libraryName(code);
        if (name != null && scan.sameLibraries.contains(name)) {
            return; // already there, same code
        }
        String label = "function library " + name;
        List<Object> args = new ArrayList<>(List.of("FUNCTION", "LOAD"));
        if (options.onConflict() == OnConflict.REPLACE) {
            args.add("REPLACE");
        }
        args.add(code);
        send((reply, resent) -> {
            if (reply instanceof RedisErrorReply e) {
                if ((options.onConflict() == OnConflict.SKIP || resent) && e.getMessage().contains("already exists")) {
                    t.functionsSkipped++;
                    LiveRestore.Tally.add(t.skippedKeys, -1, label, "exists in the target");
                } else {
                    t.failed++;
                    LiveRestore.Tally.add(t.failedKeys, -1, label, LiveRestore.reason(e));
                }
            } else {
                t.functionsRestored++;
            }
        }, code.length + 32L, args.toArray());
    }

    @Override
    public void startKey(RdbKey key) {
        current = null;
        big = null;
        reencoding = false;
        ordinal++;
        if (matcher.accepts(key) && !(key.hasExpiry() && key.expireAtMs() <= nowMs) && (options.leaveAlone() == null
                || options.leaveAlone().why(options.filter().targetDb(key.db()), key.name()) == null)) {
            current = key;
            Reencoder.Form form = Reencoder.form(key.type(), target);
            if (form == Reencoder.Form.LOSSY && (scan.lossyKeys.isEmpty() || !scan.lossyKeys.contains(ordinal))) {
                form = Reencoder.Form.REENCODE; // no field TTL still running: nothing is lost
            }
            if (form == Reencoder.Form.LOSSY && options.lossy() == Lossy.SKIP_KEY) {
                current = null; // counted by the pre-scan
                return;
            }
            if (!scan.bigKeys.isEmpty() && scan.bigKeys.contains(ordinal)) { // isEmpty first: no boxing per key
                // null: a name or type that cannot; one RESTORE then. Field TTLs go along when the target keeps them.
                big = BigKey.start(pipe, key, nowMs, form == Reencoder.Form.AS_IS);
                if (big != null) {
                    try {
                        pipe.select(options.filter().targetDb(key.db()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            }
            // Batches of commands do not depend on the encoding; one RESTORE must be in one the target reads.
            if (big == null && (form == Reencoder.Form.REENCODE || form == Reencoder.Form.LOSSY)) {
                reencoding = true;
                reencoder.start(key.type());
            }
        }
    }

    @Override
    public RawValueSink rawValue(RdbKey key) {
        if (current == null || big != null) {
            return null;
        }
        if (reencoding) {
            return reencoder.wantsRaw() ? reencoder::raw : null;
        }
        payload.start(key.type().code());
        return payloadSink;
    }

    @Override
    public void element(Element e) {
        if (reencoding) {
            reencoder.element(e);
            return;
        }
        if (big == null) {
            return;
        }
        try {
            big.element(e);
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    @Override
    public void endKey(RdbKey key, long elements, long valueBytes) {
        if (current == null) {
            return;
        }
        int db = options.filter().targetDb(key.db());
        if (big != null) {
            finishBig(key, db);
            return;
        }
        if (reencoding) {
            reencoded.reset();
            int type = reencoder.finish(reencoded);
            if (type < 0) {
                t.skipped++;
                LiveRestore.Tally.add(t.skippedKeys, db, key.printableName(), "every field's TTL had passed");
                return;
            }
            payload.start(type);
            payload.write(reencoded.array(), 0, reencoded.size());
        }
        boolean replace = options.onConflict() == OnConflict.REPLACE;
        boolean lfu = key.lfuFreq() >= 0;
        boolean idle = !lfu && key.idleSeconds() >= 0;
        try {
            pipe.select(db);
            if (setsStrings && !reencoding && !lfu && !idle && key.type() == RdbType.STRING && set(key, replace)) {
                return;
            }
            payload.seal(version);
            // Encoded straight into the pipeline's buffer: nothing is allocated per key.
            pipe.begin(4 + (replace ? 1 : 0) + (key.hasExpiry() ? 1 : 0) + (lfu || idle ? 2 : 0));
            pipe.arg(RESTORE);
            pipe.arg(key.name());
            pipe.arg(key.hasExpiry() ? key.expireAtMs() : 0L);
            pipe.arg(payload.array(), 0, payload.length());
            if (replace) {
                pipe.arg(REPLACE);
            }
            if (key.hasExpiry()) {
                pipe.arg(ABSTTL);
            }
            if (lfu) {
                pipe.arg(FREQ);
                pipe.arg(key.lfuFreq());
            } else if (idle) {
                pipe.arg(IDLETIME);
                pipe.arg(key.idleSeconds());
            }
            payload.release();
            pipe.endKey(restored);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A plain string as {@code SET key value [PXAT deadline] [NX]}: the target stores the same
     * object as RESTORE would (both try the same int and embedded encodings) for less of its CPU
     * (no payload to check and parse: ~12% on small keys). NX gives RESTORE's refusal of an
     * existing key as a nil reply. False (nothing sent) for an LZF-compressed value, which goes as
     * RESTORE rather than be decompressed here.
     */
    private boolean set(RdbKey key, boolean replace) throws IOException {
        byte[] b = payload.array();
        int first = b[1] & 0xFF;
        int size = RdbReader.lengthSize(first);
        int encoding = first >>> 6 == RdbConstants.ENCVAL ? first & 0x3F : -1;
        boolean integer = encoding == RdbConstants.ENC_INT8 || encoding == RdbConstants.ENC_INT16
                || encoding == RdbConstants.ENC_INT32;
        if (size < 0 && !integer) {
            return false;
        }
        pipe.begin(3 + (replace ? 0 : 1) + (key.hasExpiry() ? 2 : 0));
        pipe.arg(SET);
        pipe.arg(key.name());
        if (integer) {
            pipe.arg(switch (encoding) { // little-endian, signed: rdbEncodeInteger
                case RdbConstants.ENC_INT8 -> (long) b[2];
                case RdbConstants.ENC_INT16 -> (long) (short) ((b[2] & 0xFF) | (b[3] & 0xFF) << 8);
                default -> (long) ((b[2] & 0xFF) | (b[3] & 0xFF) << 8 | (b[4] & 0xFF) << 16 | (b[5] & 0xFF) << 24);
            });
        } else {
            pipe.arg(b, 1 + size, (int) RdbReader.lengthAt(b, 1));
        }
        if (key.hasExpiry()) {
            pipe.arg(PXAT);
            pipe.arg(key.expireAtMs());
        }
        if (!replace) {
            pipe.arg(NX);
        }
        payload.release();
        pipe.endKey(restored);
        return true;
    }

    /**
     * Sends the strings whose SET the target refused again as RESTORE (after the pass: a reply
     * handler may not send); true when there were any, whose replies the caller then drains.
     */
    boolean restoreRefusedSets() throws IOException {
        if (refusedSets.isEmpty()) {
            return false;
        }
        boolean replace = options.onConflict() == OnConflict.REPLACE;
        for (RefusedSet r : refusedSets) {
            long deadline = r.deadline();
            reencoded.reset();
            reencoded.string(r.value());
            payload.start(RdbType.STRING.code());
            payload.write(reencoded.array(), 0, reencoded.size());
            payload.seal(version);
            pipe.select(r.db());
            pipe.begin(4 + (replace ? 1 : 0) + (deadline > 0 ? 1 : 0));
            pipe.arg(RESTORE);
            pipe.arg(r.key());
            pipe.arg(deadline);
            pipe.arg(payload.array(), 0, payload.length());
            if (replace) {
                pipe.arg(REPLACE);
            }
            if (deadline > 0) {
                pipe.arg(ABSTTL);
            }
            pipe.endKey(restored);
        }
        refusedSets.clear();
        return true;
    }

    private void finishBig(RdbKey key, int db) {
        String name = key.printableName();
        BigKey b = big;
        big = null;
        try {
            b.finish(key.hasExpiry() ? key.expireAtMs() : 0L, options.onConflict() == OnConflict.REPLACE,
                    (reply, f) -> onBigFinished(reply, f, db, name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void onBigFinished(Object reply, BigKey.Finished f, int db, String name) {
        if (reply instanceof RedisErrorReply e) {
            if (LiveRestore.FATAL.contains(e.code())) {
                throw new Pipeline.StopRestore("the target refused to finish big key " + name + " in db " + db + ": "
                        + LiveRestore.reason(e));
            }
            t.failed++;
            LiveRestore.Tally.add(t.failedKeys, db, name, f.failure() != null ? "a batch was refused: " + f.failure()
                    : LiveRestore.reason(e));
            return;
        }
        long r = f.result();
        if (r == 1 || (r == -2 && f.resent())) {
            t.restored++;
            if (f.lossy() != null) {
                t.lossy++;
                LiveRestore.Tally.add(t.lossyKeys, db, name, f.lossy());
            }
        } else if (r == 0 && options.onConflict() == OnConflict.SKIP) {
            t.skipped++;
            t.conflicts++;
            LiveRestore.Tally.add(t.skippedKeys, db, name, "exists in the target");
        } else if (r == 0) {
            t.failed++;
            LiveRestore.Tally.add(t.failedKeys, db, name, "written in the target after the pre-scan");
        } else if (r == 2) {
            t.skipped++;
            LiveRestore.Tally.add(t.skippedKeys, db, name, "expired while it was being restored");
        } else if (r == 3) {
            t.skipped++;
            LiveRestore.Tally.add(t.skippedKeys, db, name, "every field's TTL had passed");
        } else {
            t.failed++;
            LiveRestore.Tally.add(t.failedKeys, db, name, f.failure() != null ? "a batch was refused: " + f.failure()
                    : "its temporary key did not hold the source's element count (the target restarted and lost "
                    + "part of it?); it was deleted, nothing of it is visible: restore the key again");
        }
    }

    /**
     * The reply to a key's RESTORE or SET; the key and its database come from the command answered.
     * The key existed when RESTORE answers BUSYKEY and when SET ... NX answers nil.
     */
    private void onRestored(Object reply, boolean resent) {
        boolean busy = reply == null || reply instanceof RedisErrorReply e && "BUSYKEY".equals(e.code());
        if (!busy && !(reply instanceof RedisErrorReply)) {
            t.restored++;
            return;
        }
        int db = pipe.answeredDb();
        byte[] key = pipe.answeredArg(1);
        String name = Printable.escape(key, 0, key.length, 200);
        if (busy && resent && options.onConflict() == OnConflict.FAIL) {
            // Sent again after a lost connection: the first one got there before the link broke (the
            // pre-scan found the key missing, so no one else wrote it unless something raced us).
            t.restored++;
            return;
        }
        if (busy) {
            if (options.onConflict() == OnConflict.SKIP) {
                t.skipped++;
                t.conflicts++;
                LiveRestore.Tally.add(t.skippedKeys, db, name, "exists in the target");
            } else {
                t.failed++;
                LiveRestore.Tally.add(t.failedKeys, db, name, "written in the target after the pre-scan"
                        + (reply == null ? "" : ": " + LiveRestore.reason((RedisErrorReply) reply)));
            }
            return;
        }
        RedisErrorReply e = (RedisErrorReply) reply;
        String code = e.code();
        if ("NOPERM".equals(code) && java.util.Arrays.equals(pipe.answeredArg(0), SET)) {
            // The user may not run SET (an ACL made for RESTORE): this and every string after it go as RESTORE.
            setsStrings = false;
            int argc = pipe.answeredArgc();
            long deadline = argc >= 5 && java.util.Arrays.equals(pipe.answeredArg(3), PXAT)
                    ? Long.parseLong(new String(pipe.answeredArg(4), java.nio.charset.StandardCharsets.US_ASCII)) : 0L;
            refusedSets.add(new RefusedSet(db, key, pipe.answeredArg(2), deadline));
            return;
        }
        if (LiveRestore.FATAL.contains(code)) {
            throw new Pipeline.StopRestore("the target refused " + Printable.escape(pipe.answeredArg(0)) + " of "
                    + name + " in db " + db + ": " + LiveRestore.reason(e));
        }
        t.failed++;
        LiveRestore.Tally.add(t.failedKeys, db, name, LiveRestore.reason(e));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private void send(Pipeline.Reply reply, long bytes, Object... args) {
        try {
            pipe.send(reply, bytes, args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
