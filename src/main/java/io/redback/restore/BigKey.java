package io.redback.restore;

import io.redback.rdb.Element;
import io.redback.rdb.ElementRole;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbType;
import io.redback.redis.RedisErrorReply;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes one value too big for a single RESTORE: its elements, as the reader delivers them, go in
 * batches of commands ({@code SETRANGE}, {@code RPUSH}, {@code SADD}, {@code ZADD}, {@code HSET})
 * to a temporary key whose hash tag puts it in the key's cluster slot (a hash's field TTLs follow
 * each batch as {@code HPEXPIREAT}, one per deadline; fields whose TTL has passed are left out,
 * and into a target without field TTLs the fields go without them); a script then checks the
 * element count, sets the absolute expiry and renames it over the key ({@code RENAME} with
 * replace, {@code RENAMENX} otherwise), so no half-written key is ever visible. Every batch is
 * idempotent (list pushes are guarded by the expected length), so the pipeline may send it again
 * after a lost connection without duplicating elements; a temporary key the target lost meanwhile
 * shows as a count mismatch and the key fails instead of appearing partial. Memory: one batch
 * (and the largest single element).
 */
final class BigKey {
    /** A batch is sent once it holds this many bytes ... */
    private static final long BATCH_BYTES = 1 << 20;
    /** ... or this many elements (Lua's unpack takes a few thousand values at most). */
    private static final int BATCH_ELEMENTS = 1000;

    /** RPUSH only when the list has the length this batch expects: a batch sent twice pushes once. */
    private static final String PUSH = "if redis.call('LLEN', KEYS[1]) ~= tonumber(ARGV[1]) then return -1 end "
            + "return redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))";

    /**
     * Checks the count (ARGV[2] written; at least ARGV[5] left, fewer when field TTLs may have
     * passed meanwhile), sets the expiry, renames. Replies 1 renamed, 0 the key exists (not
     * replaced), 2 expired meanwhile, 3 nothing to write (every field's TTL had passed), -1 count
     * mismatch, -2 the temporary key is gone and the key exists (a finish sent again after it had run).
     */
    private static final String FINISH = """
            if tonumber(ARGV[2]) == 0 then return 3 end
            local n = redis.call(ARGV[1], KEYS[1])
            if n > tonumber(ARGV[2]) or n < tonumber(ARGV[5]) or n == 0 then
              redis.call('DEL', KEYS[1])
              if n == 0 and redis.call('EXISTS', KEYS[2]) == 1 then return -2 end
              if n == 0 and tonumber(ARGV[5]) == 0 then return 2 end
              return -1
            end
            if ARGV[3] ~= '0' then
              redis.call('PEXPIREAT', KEYS[1], ARGV[3])
              if redis.call('EXISTS', KEYS[1]) == 0 then return 2 end
            end
            if ARGV[4] == '1' then
              redis.call('RENAME', KEYS[1], KEYS[2])
              return 1
            end
            if redis.call('RENAMENX', KEYS[1], KEYS[2]) == 1 then return 1 end
            redis.call('DEL', KEYS[1])
            return 0
            """;

    /**
     * How the finish script's reply ended; {@code failure} set when a batch was refused,
     * {@code lossy} when the key could not be written exactly (why).
     */
    record Finished(long result, boolean resent, String failure, String lossy) {}

    /** What the caller does with the finish. */
    @FunctionalInterface
    interface Done {
        void finished(Object reply, Finished f) throws IOException;
    }

    private enum Kind { STRING, LIST, SET, ZSET, HASH }

    private final Pipeline pipe;
    private final Kind kind;
    private final byte[] key;
    private final byte[] tmp;
    private final ByteArrayOutputStream element = new ByteArrayOutputStream();
    private final List<Object> batch = new ArrayList<>();
    private long batchBytes;
    private int batchElements;
    private long count;
    private long sentCount;
    private byte[] pendingMember;
    private byte[] pendingField;
    // A hash's last field and value, held until it is known whether a TTL follows.
    private byte[] pairField;
    private byte[] pairValue;
    private final long nowMs;
    private final boolean fieldTtls;
    /** Field deadlines of the batch being filled, sent after it: deadline -> fields. */
    private final java.util.TreeMap<Long, List<byte[]>> deadlines = new java.util.TreeMap<>();
    /** Fields whose TTL may pass before the finish: the count check allows them to be gone. */
    private long dueSoon;
    private long expiredFields;
    private String failure;
    private boolean negativeZero;

    /** How close a field deadline may be to the finish for the field to be allowed gone by then. */
    private static final long DUE_SOON_MS = 10 * 60_000L;

    private BigKey(Pipeline pipe, Kind kind, byte[] key, byte[] tmp, long nowMs, boolean fieldTtls) {
        this.pipe = pipe;
        this.nowMs = nowMs;
        this.fieldTtls = fieldTtls;
        this.kind = kind;
        this.key = key;
        this.tmp = tmp;
    }

    /** A writer for {@code key}, or null when its type or name cannot go this way (it then goes as one RESTORE). */
    static BigKey start(Pipeline pipe, RdbKey key) {
        return start(pipe, key, 0, false);
    }

    /**
     * As {@link #start(Pipeline, RdbKey)}; a hash's fields whose TTL passed by {@code nowMs} are
     * left out, and with {@code fieldTtls} the others keep their TTL ({@code HPEXPIREAT}).
     */
    static BigKey start(Pipeline pipe, RdbKey key, long nowMs, boolean fieldTtls) {
        Kind kind = kind(key.type());
        byte[] tmp = temporaryName(key.name());
        // A copy: the reader may refill the name's array for a later key while batches are in flight.
        return kind == null || tmp == null ? null : new BigKey(pipe, kind, key.name().clone(), tmp, nowMs,
                fieldTtls);
    }

    /**
     * Whether values of this type can be written in batches: not streams (consumer groups, pending
     * entries and IDs have no command that sets them as the file holds them) nor module values
     * (only the module can write them); they go as one RESTORE.
     */
    static boolean handles(RdbType type) {
        return kind(type) != null;
    }

    private static Kind kind(RdbType type) {
        return switch (type) {
            case STRING -> Kind.STRING;
            case LIST, LIST_ZIPLIST, LIST_QUICKLIST, LIST_QUICKLIST_2 -> Kind.LIST;
            case SET, SET_INTSET, SET_LISTPACK -> Kind.SET;
            case ZSET, ZSET_2, ZSET_ZIPLIST, ZSET_LISTPACK -> Kind.ZSET;
            case HASH, HASH_ZIPMAP, HASH_ZIPLIST, HASH_LISTPACK, HASH_METADATA, HASH_METADATA_PRE_GA,
                 HASH_LISTPACK_EX, HASH_LISTPACK_EX_PRE_GA, VALKEY_HASH_2 -> Kind.HASH;
            default -> null;
        };
    }

    /**
     * A fresh name in the same cluster slot as {@code key}: its hash tag (the bytes between the
     * first '{' and the first '}' after it, when not empty) or, without one, the whole key as the
     * tag; null when the key has no tag but holds a '}' (it cannot be made one).
     */
    static byte[] temporaryName(byte[] key) {
        int open = indexOf(key, '{', 0);
        int close = open < 0 ? -1 : indexOf(key, '}', open + 1);
        byte[] tag;
        if (open >= 0 && close > open + 1) {
            tag = java.util.Arrays.copyOfRange(key, open, close + 1);
        } else {
            if (key.length == 0 || indexOf(key, '}', 0) >= 0) {
                return null;
            }
            tag = new byte[key.length + 2];
            tag[0] = '{';
            System.arraycopy(key, 0, tag, 1, key.length);
            tag[tag.length - 1] = '}';
        }
        byte[] suffix = (".redback-tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE))
                .getBytes(StandardCharsets.US_ASCII);
        byte[] out = java.util.Arrays.copyOf(tag, tag.length + suffix.length);
        System.arraycopy(suffix, 0, out, tag.length, suffix.length);
        return out;
    }

    private static int indexOf(byte[] b, char c, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }

    /** The temporary key's name. */
    byte[] temporary() {
        return tmp;
    }

    /** One element (or a chunk of one) of the value. */
    void element(Element e) throws IOException {
        if (e.role() == ElementRole.HASH_FIELD_EXPIRY) {
            commitPair(e.integerValue());
            return;
        }
        if (kind == Kind.STRING) {
            // A string arrives in chunks: each goes as SETRANGE at its offset, which is idempotent.
            byte[] b = e.toBytes();
            if (element.size() + b.length > BATCH_BYTES) {
                flushString();
            }
            element.write(b, 0, b.length);
            return;
        }
        if (e.isBytes() && !e.isFirstChunk()) {
            element.write(e.array(), e.offset(), e.length());
        } else {
            element.reset();
            byte[] b = e.toBytes();
            element.write(b, 0, b.length);
        }
        if (!e.isLastChunk()) {
            return;
        }
        byte[] whole = element.toByteArray();
        element.reset();
        ElementRole role = e.role();
        switch (kind) {
            case LIST, SET -> add(whole);
            case ZSET -> {
                if (role == ElementRole.ZSET_MEMBER) {
                    pendingMember = whole;
                } else {
                    // ZADD turns a score of -0 into 0 (old releases saved -0): written as 0 and reported.
                    negativeZero |= Double.doubleToRawLongBits(e.doubleValue()) == Long.MIN_VALUE;
                    add(Element.formatDouble(e.doubleValue()).getBytes(StandardCharsets.US_ASCII), pendingMember);
                }
            }
            case HASH -> {
                if (role == ElementRole.HASH_FIELD) {
                    commitPair(-1);
                    pendingField = whole;
                } else if (role == ElementRole.HASH_VALUE) {
                    pairField = pendingField;
                    pairValue = whole;
                }
            }
            default -> throw new IllegalStateException(kind.name());
        }
    }

    /** Adds the held field and value with its deadline ({@code -1}: none), or leaves it out when that has passed. */
    private void commitPair(long deadline) throws IOException {
        if (pairField == null) {
            return;
        }
        byte[] field = pairField;
        byte[] value = pairValue;
        pairField = null;
        pairValue = null;
        if (deadline >= 0 && deadline <= nowMs) {
            expiredFields++; // a server with field TTLs would not have it either
            return;
        }
        if (deadline >= 0 && fieldTtls) {
            deadlines.computeIfAbsent(deadline, d -> new ArrayList<>()).add(field);
            if (deadline < Math.max(nowMs, System.currentTimeMillis()) + DUE_SOON_MS) {
                dueSoon++;
            }
        }
        add(field, value);
    }

    /** Fields left out because their TTL had passed. */
    long expiredFields() {
        return expiredFields;
    }

    private void add(byte[]... parts) throws IOException {
        for (byte[] p : parts) {
            batch.add(p);
            batchBytes += p.length + 16;
        }
        count++;
        if (++batchElements >= BATCH_ELEMENTS || batchBytes >= BATCH_BYTES) {
            flush();
        }
    }

    private void flush() throws IOException {
        if (batchElements == 0) {
            return;
        }
        List<Object> args = new ArrayList<>(batch.size() + 6);
        switch (kind) {
            case LIST -> {
                args.add("EVAL");
                args.add(PUSH);
                args.add(1L);
                args.add(tmp);
                args.add(sentCount);
            }
            case SET -> {
                args.add("SADD");
                args.add(tmp);
            }
            case ZSET -> {
                args.add("ZADD");
                args.add(tmp);
            }
            case HASH -> {
                args.add("HSET");
                args.add(tmp);
            }
            default -> throw new IllegalStateException(kind.name());
        }
        args.addAll(batch);
        long bytes = batchBytes + tmp.length + 64;
        batch.clear();
        batchBytes = 0;
        batchElements = 0;
        sentCount = count;
        pipe.sendKey(this::onBatch, bytes, args.toArray());
        // The batch's field TTLs, after it: HPEXPIREAT sets the same deadline again when sent twice.
        for (var d : deadlines.entrySet()) {
            List<Object> ttl = new ArrayList<>(d.getValue().size() + 5);
            ttl.add("HPEXPIREAT");
            ttl.add(tmp);
            ttl.add(d.getKey());
            ttl.add("FIELDS");
            ttl.add((long) d.getValue().size());
            long ttlBytes = tmp.length + 64L;
            for (byte[] f : d.getValue()) {
                ttl.add(f);
                ttlBytes += f.length + 16;
            }
            pipe.sendKey(this::onBatch, ttlBytes, ttl.toArray());
        }
        deadlines.clear();
    }

    private void flushString() throws IOException {
        if (element.size() == 0) {
            return;
        }
        byte[] chunk = element.toByteArray();
        element.reset();
        long offset = count;
        count += chunk.length;
        pipe.sendKey(this::onBatch, chunk.length + tmp.length + 64L, "SETRANGE", tmp, offset, chunk);
    }

    private void onBatch(Object reply, boolean resent) {
        if (reply instanceof RedisErrorReply e) {
            if (LiveRestore.FATAL.contains(e.code())) {
                throw new Pipeline.StopRestore("the target refused a batch of big key "
                        + io.redback.rdb.Printable.escape(key) + ": " + LiveRestore.reason(e));
            }
            if (failure == null) {
                failure = LiveRestore.reason(e);
            }
        }
    }

    /** Sends what is left and the finish (count check, expiry, rename); {@code expireAtMs} 0 for none. */
    void finish(long expireAtMs, boolean replace, Done done) throws IOException {
        if (kind == Kind.STRING) {
            flushString();
        } else {
            commitPair(-1);
            flush();
        }
        String counter = switch (kind) {
            case STRING -> "STRLEN";
            case LIST -> "LLEN";
            case SET -> "SCARD";
            case ZSET -> "ZCARD";
            case HASH -> "HLEN";
        };
        pipe.sendKey((reply, resent) -> done.finished(reply, new Finished(
                        reply instanceof Long n ? n : Long.MIN_VALUE, resent, failure,
                        negativeZero ? "a score of -0, written as 0 (ZADD makes -0 into 0)" : null)),
                tmp.length + key.length + FINISH.length() + 64L,
                "EVAL", FINISH, 2L, tmp, key, counter, count, expireAtMs, replace ? "1" : "0", count - dueSoon);
    }
}
