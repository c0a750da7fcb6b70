package io.redback.restore;

import io.redback.rdb.Element;
import io.redback.rdb.ElementRole;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbVisitor;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * The canonical digest of each key's value, computed from an RDB as {@link io.redback.rdb.RdbReader}
 * streams through it, equal to what {@code DEBUG DIGEST-VALUE key} returns on a server holding the
 * key, so a restored server can be checked with typed reads or DUMP and no debug command. It follows
 * Redis's rules: SHA-1 of each element, fed back ("mixed") in order for strings, lists and streams
 * (entry ID as {@code ms.seq}, then fields and values), xored for set members, and for sorted-set and
 * hash elements the mix of member and score (or field, value and, for Redis 7.4 field expiries, a
 * marker), whose SHA-1 is xored in; the value's type comes first and a key with an expiry gets a marker (its
 * presence, not its time). The key name is not part of it. Memory stays bounded: elements arrive one
 * at a time, long ones in chunks, and only two 20-byte states are kept. Scores are formatted as the
 * server's release does ({@link ScoreFormat}). Module values have no digest here (Redis asks the
 * module): the sink receives null for them.
 */
public final class KeyDigest implements RdbVisitor {
    /** Digest length: SHA-1. */
    public static final int LENGTH = 20;

    /** How a sorted-set score is printed before it is hashed; it changed in Redis 7.2. */
    public enum ScoreFormat {
        /** Redis 7.0 and older: C's {@code %.17g}. */
        PRINTF_17G,
        /** Redis 7.2 and later, Valkey: the shortest text that reads back as the same double. */
        SHORTEST;

        /** The format of a server reporting {@code redis_version} {@code version}. */
        public static ScoreFormat forVersion(String version) {
            String[] parts = version.split("\\.");
            try {
                int major = Integer.parseInt(parts[0]);
                int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
                return major > 7 || (major == 7 && minor >= 2) ? SHORTEST : PRINTF_17G;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a server version: " + version, e);
            }
        }
    }

    /** Receives each key's digest when the key is complete; {@code digest} is null for a module value. */
    @FunctionalInterface
    public interface Sink {
        void key(RdbKey key, byte[] digest);
    }

    private static final byte[] EXPIRE_MARK = sha1Of("!!expire!!");
    private static final byte[] FIELD_EXPIRE_MARK = sha1Of("!!hexpire!!");
    private static final byte[] EMPTY = sha1Of("");

    private final ScoreFormat scoreFormat;
    private final Sink sink;
    private final MessageDigest sha1 = newSha1();
    private final byte[] digest = new byte[LENGTH];
    private final byte[] element = new byte[LENGTH];
    private final byte[] hash = new byte[LENGTH];
    private final byte[] scratch = new byte[LENGTH];
    private boolean hashElementOpen;
    private boolean sawElement;
    private boolean module;

    public KeyDigest(ScoreFormat scoreFormat, Sink sink) {
        this.scoreFormat = scoreFormat;
        this.sink = sink;
    }

    /** The digest as DEBUG DIGEST-VALUE prints it: 40 lowercase hex digits. */
    public static String hex(byte[] digest) {
        return java.util.HexFormat.of().formatHex(digest);
    }

    @Override
    public void startKey(RdbKey key) {
        Arrays.fill(digest, (byte) 0);
        hashElementOpen = false;
        sawElement = false;
        module = false;
        int type = switch (key.type().dataType()) {
            case "string" -> 0;
            case "list" -> 1;
            case "set" -> 2;
            case "zset" -> 3;
            case "hash" -> 4;
            case "module" -> 5;
            case "stream" -> 6;
            default -> throw new IllegalStateException("unknown data type " + key.type().dataType());
        };
        module = type == 5;
        sha1.reset();
        sha1.update(new byte[] {(byte) (type >>> 24), (byte) (type >>> 16), (byte) (type >>> 8), (byte) type});
        mix(digest, sha1.digest());
    }

    @Override
    public void element(Element e) {
        ElementRole role = e.role();
        if (role == ElementRole.HASH_FIELD_EXPIRY) {
            xor(element, FIELD_EXPIRE_MARK);
            return;
        }
        if (role == ElementRole.MODULE_VALUE) {
            return;
        }
        if (e.isFirstChunk()) {
            sha1.reset();
        }
        if (e.isBytes()) {
            if (role == ElementRole.STREAM_ENTRY_ID) {
                // The reader prints IDs as ms-seq; Redis digests them as ms.seq.
                byte[] id = e.toBytes();
                for (int i = 0; i < id.length; i++) {
                    if (id[i] == '-') {
                        id[i] = '.';
                    }
                }
                sha1.update(id);
            } else {
                sha1.update(e.array(), e.offset(), e.length());
            }
        } else if (e.isInteger()) {
            sha1.update(Long.toString(e.integerValue()).getBytes(StandardCharsets.US_ASCII));
        } else {
            sha1.update(formatScore(e.doubleValue()).getBytes(StandardCharsets.US_ASCII));
        }
        if (!e.isLastChunk()) {
            return;
        }
        finish(hash);
        sawElement = true;
        switch (role) {
            case STRING_VALUE, LIST_ITEM, STREAM_ENTRY_ID, STREAM_FIELD, STREAM_VALUE -> mix(digest, hash);
            case SET_MEMBER -> xor(digest, hash);
            case ZSET_MEMBER -> {
                Arrays.fill(element, (byte) 0);
                mix(element, hash);
            }
            case ZSET_SCORE -> {
                mix(element, hash);
                xorHashOf(digest, element);
            }
            case HASH_FIELD -> {
                closeHashElement();
                Arrays.fill(element, (byte) 0);
                mix(element, hash);
                hashElementOpen = true;
            }
            case HASH_VALUE -> mix(element, hash);
            default -> throw new IllegalStateException("unexpected element role " + role);
        }
    }

    @Override
    public void endKey(RdbKey key, long elements, long valueBytes) {
        closeHashElement();
        if (module) {
            sink.key(key, null);
            return;
        }
        if (!sawElement && key.type().dataType().equals("string")) {
            mix(digest, EMPTY);
        }
        if (key.hasExpiry()) {
            xor(digest, EXPIRE_MARK);
        }
        sink.key(key, digest.clone());
    }

    /** A score as this release prints it before hashing. */
    String formatScore(double score) {
        return scoreFormat == ScoreFormat.SHORTEST ? Element.formatShortest(score) : printf17g(score);
    }

    /** C's {@code printf("%.17g", d)}: 17 significant digits, trailing zeros dropped, e+NN below 1e-4 or from 1e17. */
    static String printf17g(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (Double.doubleToRawLongBits(d) < 0) ? "-0" : "0";
        }
        // glibc rounds the exact binary value to nearest, ties to even.
        BigDecimal bd = new BigDecimal(d).round(new MathContext(17, RoundingMode.HALF_EVEN)).stripTrailingZeros();
        int exponent = bd.precision() - bd.scale() - 1;
        if (exponent >= -4 && exponent < 17) {
            return bd.toPlainString();
        }
        String digits = bd.unscaledValue().abs().toString();
        StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
        sb.append(digits.charAt(0));
        if (digits.length() > 1) {
            sb.append('.').append(digits, 1, digits.length());
        }
        int abs = Math.abs(exponent);
        sb.append('e').append(exponent < 0 ? '-' : '+').append(abs < 10 ? "0" : "").append(abs);
        return sb.toString();
    }

    private void closeHashElement() {
        if (hashElementOpen) {
            xorHashOf(digest, element);
            hashElementOpen = false;
        }
    }

    /** Redis's mixDigest: xor in the element's SHA-1, then replace the state by its own SHA-1 (order matters). */
    private void mix(byte[] state, byte[] elementSha1) {
        xor(state, elementSha1);
        sha1.reset();
        sha1.update(state);
        finish(state);
    }

    /** Redis's xorDigest on a finished element digest: it hashes its input again before xoring. */
    private void xorHashOf(byte[] state, byte[] elementDigest) {
        sha1.reset();
        sha1.update(elementDigest);
        finish(scratch);
        xor(state, scratch);
    }

    private void finish(byte[] into) {
        try {
            sha1.digest(into, 0, LENGTH);
        } catch (java.security.DigestException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void xor(byte[] state, byte[] other) {
        for (int i = 0; i < LENGTH; i++) {
            state[i] ^= other[i];
        }
    }

    private static byte[] sha1Of(String s) {
        return newSha1().digest(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static MessageDigest newSha1() {
        try {
            return MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM lacks SHA-1", e);
        }
    }
}
