package io.redback.restore;

import static io.redback.rdb.RdbConstants.*;

import io.redback.rdb.Element;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbType;
import java.nio.charset.StandardCharsets;

/**
 * Writes a value again in an encoding an older release reads, when the one the file holds is too
 * new for it: collections (listpack, ziplist, intset, quicklist) become the plain encodings every
 * release reads ({@code LIST}, {@code SET}, {@code ZSET_2}, {@code HASH}: the server picks its
 * compact encoding again as it loads them), streams lose the fields their older type has no room
 * for (consumer active time, then the v2 metadata), and hashes with field TTLs become plain hashes
 * without them (lossy: only when asked, fields already expired left out). Values arrive as the
 * reader delivers them (elements; a stream's own bytes); memory: one value.
 */
final class Reencoder {
    /** The cheapest faithful form of a value for a target. */
    enum Form {
        /** The target reads the file's bytes: sent (or copied) as they are. */
        AS_IS,
        /** Re-encoded to an older encoding, nothing lost. */
        REENCODE,
        /**
         * Maybe only writable with something lost: a hash with field TTLs (encoding) into a target
         * without them; lossy when the value holds a field TTL still running ({@link #liveFieldTtl}).
         */
        LOSSY,
        /** The target cannot hold it at all (a module value of a newer type, a stream into Redis before 5.0). */
        UNREADABLE
    }

    private final RdbTarget target;
    private final long nowMs;
    private final RdbBytes body = new RdbBytes();
    private final RdbBytes pending = new RdbBytes();
    private final RdbBytes raw = new RdbBytes();
    private RdbType type;
    private long count;
    private boolean pendingOpen;
    private int pendingExpired;
    private long liveTtls;

    /** {@code nowMs}: fields whose TTL has passed by then are left out when TTLs are dropped. */
    Reencoder(RdbTarget target, long nowMs) {
        this.target = target;
        this.nowMs = nowMs;
    }

    static Form form(RdbType type, RdbTarget target) {
        if (target.reads(type)) {
            return Form.AS_IS;
        }
        if (hasFieldTtls(type)) {
            return Form.LOSSY;
        }
        return switch (type.dataType()) {
            case "list", "set", "zset", "hash" -> Form.REENCODE;
            case "stream" -> target.rdbVersion() >= 9 ? Form.REENCODE : Form.UNREADABLE;
            default -> Form.UNREADABLE;
        };
    }

    /** Whether some key may be {@link Form#LOSSY} for this target: it does not read every field-TTL encoding. */
    static boolean mayBeLossy(RdbTarget target) {
        for (RdbType t : RdbType.values()) {
            if (hasFieldTtls(t) && !target.reads(t)) {
                return true;
            }
        }
        return false;
    }

    /** Hash encodings that carry per-field TTLs (Redis 7.4+, Valkey 9+). */
    static boolean hasFieldTtls(RdbType type) {
        return switch (type) {
            case HASH_METADATA, HASH_METADATA_PRE_GA, HASH_LISTPACK_EX, HASH_LISTPACK_EX_PRE_GA, VALKEY_HASH_2 -> true;
            default -> false;
        };
    }

    /** What a re-encoding makes of a type, for reports: "set listpack -> hashtable (plain)". */
    String change(RdbType from) {
        String to = switch (from.dataType()) {
            case "list" -> "linkedlist (plain)";
            case "zset" -> "skiplist (plain)";
            case "stream" -> "stream-v" + streamVersion();
            default -> "hashtable (plain)";
        };
        return from.dataType() + " " + from.encoding() + " -> " + to;
    }

    /** Starts a value of this type. */
    void start(RdbType t) {
        type = t;
        count = 0;
        pendingOpen = false;
        pendingExpired = 0;
        liveTtls = 0;
        body.reset();
        pending.reset();
        raw.reset();
    }

    /** The value's own bytes, wanted for streams only (the rest goes by elements). */
    boolean wantsRaw() {
        return "stream".equals(type.dataType());
    }

    void raw(byte[] b, int off, int n) {
        raw.write(b, off, n);
    }

    void element(Element e) {
        switch (e.role()) {
            case LIST_ITEM, SET_MEMBER, ZSET_MEMBER -> {
                if (e.isFirstChunk()) {
                    count++;
                }
                string(body, e);
            }
            case ZSET_SCORE -> body.binaryDouble(score(e));
            case HASH_FIELD -> {
                if (e.isFirstChunk()) {
                    commitPending();
                    pendingOpen = true;
                }
                string(pending, e);
            }
            case HASH_VALUE -> string(pending, e);
            case HASH_FIELD_EXPIRY -> {
                if (liveFieldTtl(e, nowMs)) {
                    liveTtls++;
                } else {
                    pending.reset(); // expired: a server with field TTLs would not have it either
                    pendingOpen = false;
                    pendingExpired++;
                }
            }
            default -> { } // stream parts: the stream goes by its own bytes
        }
    }

    /**
     * Writes the re-encoded value into {@code out} and returns its type byte, or -1 when nothing
     * is left of it (every field of a hash had expired).
     */
    int finish(RdbBytes out) {
        commitPending();
        if ("stream".equals(type.dataType())) {
            return downgradeStream(out);
        }
        if (count == 0) {
            return -1;
        }
        out.length(count);
        out.write(body.array(), 0, body.size());
        return switch (type.dataType()) {
            case "list" -> TYPE_LIST;
            case "set" -> TYPE_SET;
            case "zset" -> TYPE_ZSET_2;
            default -> TYPE_HASH;
        };
    }

    /**
     * Whether an element is a hash field's TTL that has not passed by {@code nowMs}: what makes a
     * field-TTL hash lossy for a target without field TTLs (one whose fields have no TTL, or only
     * passed ones, loses nothing: a server with field TTLs would hold the same fields, none expiring).
     */
    static boolean liveFieldTtl(Element e, long nowMs) {
        return e.role() == io.redback.rdb.ElementRole.HASH_FIELD_EXPIRY && e.integerValue() > nowMs;
    }

    /** Whether the last value had a field TTL still running, which the re-encoded value does not keep. */
    boolean droppedLiveTtls() {
        return liveTtls > 0;
    }

    /** Hash fields whose TTL had passed, left out of the last value. */
    int expiredFields() {
        return pendingExpired;
    }

    private void commitPending() {
        if (pendingOpen) {
            body.write(pending.array(), 0, pending.size());
            count++;
        }
        pending.reset();
        pendingOpen = false;
    }

    private static void string(RdbBytes to, Element e) {
        if (e.isBytes()) {
            if (e.isFirstChunk()) {
                to.length(e.totalLength());
            }
            to.write(e.array(), e.offset(), e.length());
        } else {
            to.string(e.toBytes());
        }
    }

    private static double score(Element e) {
        if (e.isDouble()) {
            return e.doubleValue();
        }
        if (e.isInteger()) {
            return e.integerValue();
        }
        String s = new String(e.toBytes(), StandardCharsets.US_ASCII).strip();
        return switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "+inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(s);
        };
    }

    // ------------------------------------------------------------------ streams

    private int streamVersion() {
        return target.rdbVersion() >= 11 ? 3 : target.rdbVersion() >= 10 ? 2 : 1;
    }

    /**
     * Copies the stream's bytes, leaving out what the older type has no room for: v3 -> v2 drops
     * each consumer's active time (a v2 loader sets it to the seen time), v2 -> v1 the first ID,
     * the max deleted ID, entries-added and each group's entries-read (a v1 loader derives them).
     */
    private int downgradeStream(RdbBytes out) {
        int from = type == RdbType.STREAM_LISTPACKS ? 1 : type == RdbType.STREAM_LISTPACKS_2 ? 2 : 3;
        int to = Math.min(from, streamVersion());
        Cursor c = new Cursor(raw.array(), raw.size(), out);
        long nodes = c.length();
        for (long i = 0; i < nodes; i++) {
            c.skipString();
            c.skipString();
        }
        c.length(); // length
        c.length(); // last ID
        c.length();
        if (from >= 2) {
            c.keep();
            for (int i = 0; i < 5; i++) {
                c.length(); // first ID, max deleted ID, entries added
            }
            c.keepIf(to >= 2);
        }
        long groups = c.length();
        for (long g = 0; g < groups; g++) {
            c.skipString();
            c.length();
            c.length();
            if (from >= 2) {
                c.keep();
                c.length(); // entries read
                c.keepIf(to >= 2);
            }
            long pel = c.length();
            for (long p = 0; p < pel; p++) {
                c.skip(16 + 8);
                c.length();
            }
            long consumers = c.length();
            for (long k = 0; k < consumers; k++) {
                c.skipString();
                c.skip(8); // seen time
                if (from >= 3) {
                    c.keep();
                    c.skip(8); // active time
                    c.keepIf(to >= 3);
                }
                c.skip(16 * c.length());
            }
        }
        c.keep();
        if (c.pos != raw.size()) {
            throw new IllegalStateException("stream value has " + (raw.size() - c.pos) + " byte(s) after its groups");
        }
        return to == 3 ? TYPE_STREAM_LISTPACKS_3 : to == 2 ? TYPE_STREAM_LISTPACKS_2 : TYPE_STREAM_LISTPACKS;
    }

    /** Walks a value's bytes: lengths and strings, without decoding them. */
    private static final class Cursor {
        private final byte[] b;
        private final int end;
        private final RdbBytes out;
        private int mark;
        int pos;

        Cursor(byte[] b, int end, RdbBytes out) {
            this.b = b;
            this.end = end;
            this.out = out;
        }

        /** Copies what was walked since the last keep. */
        void keep() {
            out.write(b, mark, pos - mark);
            mark = pos;
        }

        /** Copies what was walked since the last keep, or leaves it out. */
        void keepIf(boolean wanted) {
            if (wanted) {
                keep();
            }
            mark = pos;
        }

        void skip(long n) {
            if (n < 0 || n > end - pos) {
                throw new IllegalStateException("stream value ends early");
            }
            pos += (int) n;
        }

        long length() {
            // The length format is rdb's: one definition of it.
            int size = pos < end ? RdbReader.lengthSize(b[pos]) : 0;
            if (size < 0) {
                throw new IllegalStateException("stream value: a string encoding where a length belongs");
            }
            if (size == 0 || size > end - pos) {
                throw new IllegalStateException("stream value ends early");
            }
            long v = RdbReader.lengthAt(b, pos);
            pos += size;
            return v;
        }

        void skipString() {
            int first = b[pos] & 0xFF;
            if (first >>> 6 == ENCVAL) {
                pos++;
                switch (first & 0x3F) {
                    case ENC_INT8 -> skip(1);
                    case ENC_INT16 -> skip(2);
                    case ENC_INT32 -> skip(4);
                    case ENC_LZF -> {
                        long compressed = length();
                        length();
                        skip(compressed);
                    }
                    default -> throw new IllegalStateException("stream value: unknown "
                            + "string encoding " + (first & 0x3F));
                }
                return;
            }
            skip(length());
        }
    }
}
