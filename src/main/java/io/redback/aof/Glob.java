package io.redback.aof;

/**
 * Redis's glob ({@code stringmatchlen}, as KEYS and SCAN MATCH use it) over raw bytes:
 * {@code *} any run, {@code ?} one byte, {@code [abc]}, {@code [^a-z]} classes, {@code \x}
 * a literal x. Matching is iterative (a star backtracks to its last position), so a pattern of
 * many stars cannot blow the stack or take exponential time on a long key.
 */
public final class Glob {
    private final byte[] pattern;
    private final boolean nocase;

    /** A key pattern, case-sensitive as KEYS and SCAN MATCH are. */
    public static Glob key(String pattern) {
        return new Glob(pattern.getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
    }

    Glob(byte[] pattern, boolean nocase) {
        this.pattern = pattern.clone();
        this.nocase = nocase;
    }

    /** Whether the pattern is a single {@code *} (matches anything, even bytes that were not kept). */
    boolean matchesEverything() {
        for (byte b : pattern) {
            if (b != '*') {
                return false;
            }
        }
        return true;
    }

    public boolean matches(byte[] s) {
        return matches(s, 0, s.length);
    }

    boolean matches(byte[] s, int off, int len) {
        int p = 0;
        int i = off;
        int end = off + len;
        int starP = -1;
        int starI = -1;
        while (i < end) {
            if (p < pattern.length && pattern[p] == '*') {
                while (p < pattern.length && pattern[p] == '*') {
                    p++;
                }
                if (p == pattern.length) {
                    return true;
                }
                starP = p;
                starI = i;
                continue;
            }
            int next = p < pattern.length ? matchOne(p, s[i]) : -1;
            if (next >= 0) {
                p = next;
                i++;
            } else if (starP >= 0) {
                p = starP;
                i = ++starI;
            } else {
                return false;
            }
        }
        while (p < pattern.length && pattern[p] == '*') {
            p++;
        }
        return p == pattern.length;
    }

    /** If the pattern token at {@code p} matches byte {@code c}, the index after the token; else -1. */
    private int matchOne(int p, byte c) {
        byte t = pattern[p];
        if (t == '?') {
            return p + 1;
        }
        if (t == '\\' && p + 1 < pattern.length) {
            return same(pattern[p + 1], c) ? p + 2 : -1;
        }
        if (t == '[') {
            return matchClass(p + 1, c);
        }
        return same(t, c) ? p + 1 : -1;
    }

    /** A {@code [...]} class starting after its bracket; as in Redis, an unclosed class runs to the end. */
    private int matchClass(int p, byte c) {
        boolean not = p < pattern.length && pattern[p] == '^';
        if (not) {
            p++;
        }
        boolean match = false;
        while (p < pattern.length && pattern[p] != ']') {
            if (pattern[p] == '\\' && p + 1 < pattern.length) {
                p++;
                match |= same(pattern[p], c);
            } else if (p + 2 < pattern.length && pattern[p + 1] == '-') {
                int lo = fold(pattern[p]);
                int hi = fold(pattern[p + 2]);
                if (lo > hi) {
                    int x = lo;
                    lo = hi;
                    hi = x;
                }
                int v = fold(c);
                match |= v >= lo && v <= hi;
                p += 2;
            } else {
                match |= same(pattern[p], c);
            }
            p++;
        }
        if (not) {
            match = !match;
        }
        return match ? Math.min(p + 1, pattern.length) : -1;
    }

    private boolean same(byte a, byte b) {
        return fold(a) == fold(b);
    }

    private int fold(byte b) {
        int v = b & 0xFF;
        return nocase && v >= 'A' && v <= 'Z' ? v + 32 : v;
    }
}
