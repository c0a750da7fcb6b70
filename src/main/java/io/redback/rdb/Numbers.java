package io.redback.rdb;

import ch.randelshofer.fastdoubleparser.JavaDoubleParser;

/**
 * Parsing of numbers stored as text inside RDB values (scores, stream IDs), straight from the
 * bytes: no String, no lower-cased copy, no exception for a rejected text.
 */
final class Numbers {
    // scan's answers besides a packed (start, end) of the decimal text to hand to the parser.
    private static final long INVALID = -1;
    private static final long POS_INF = -2;
    private static final long NEG_INF = -3;

    private Numbers() {
    }

    /** Parses canonical decimal int64 text; false if it is not one. */
    static boolean parseLong(byte[] b, int off, int len, long[] out) {
        if (len == 0 || len > 20) {
            return false;
        }
        int i = off;
        int end = off + len;
        boolean neg = b[i] == '-';
        if (neg) {
            i++;
            if (i == end) {
                return false;
            }
        }
        long v = 0;
        for (; i < end; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            long nv = v * 10 - d;
            if (v < Long.MIN_VALUE / 10 || nv > v) {
                return false;
            }
            v = nv;
        }
        if (!neg) {
            if (v == Long.MIN_VALUE) {
                return false;
            }
            v = -v;
        }
        out[0] = v;
        return true;
    }

    /** Parses a score as Redis's strtod would; NaN if it is not a number. */
    static double parseScore(byte[] b, int off, int len) {
        long s = scan(b, off, len);
        if (s == INVALID) {
            return Double.NaN;
        } else if (s == POS_INF) {
            return Double.POSITIVE_INFINITY;
        } else if (s == NEG_INF) {
            return Double.NEGATIVE_INFINITY;
        }
        int start = (int) (s >>> 32);
        int end = (int) s;
        // scan accepted exactly the decimal grammar below, so the parser cannot throw here.
        return JavaDoubleParser.parseDouble(b, start, end - start);
    }

    /** Whether parseScore would return a number (not NaN), without computing it. */
    static boolean isScore(byte[] b, int off, int len) {
        return scan(b, off, len) != INVALID;
    }

    /**
     * The accepted set: "inf", "+inf", "infinity", "+infinity", "-inf", "-infinity" in any case;
     * otherwise, unless the text is empty or starts with white space, a decimal number (no
     * hexadecimal floats): after trimming control characters and spaces from both ends, an
     * optional sign, "Infinity", or digits with at most one '.' (at least one digit), an optional
     * exponent (e or E, optional sign, at least one digit) and an optional final f, F, d or D.
     * That is the set the earlier String-based parser accepted; its value is the correctly rounded
     * double. Returns INVALID, POS_INF, NEG_INF or (start &lt;&lt; 32 | end) of the decimal text.
     */
    private static long scan(byte[] b, int off, int len) {
        if (len == 0) {
            return INVALID;
        }
        // The common shape first: a sign, digits and at most one point, filling the whole text
        // (what a double's shortest form looks like). Such a text is accepted by the full grammar
        // below with the same bounds; anything else takes the full path from the start.
        int end = off + len;
        int i = off;
        if (b[i] == '-' || b[i] == '+') {
            i++;
        }
        int digits = 0;
        int points = 0;
        for (; i < end; i++) {
            int c = b[i];
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.') {
                points++;
            } else {
                break;
            }
        }
        if (i == end && digits > 0 && points <= 1) {
            return ((long) off << 32) | end;
        }
        return scanFull(b, off, len);
    }

    private static long scanFull(byte[] b, int off, int len) {
        long inf = infinity(b, off, len);
        if (inf != INVALID) {
            return inf;
        }
        int end = off + len;
        if (isJavaWhitespace(b[off])) {
            return INVALID;
        }
        // No hexadecimal floats: the grammar below has no place for an 'x', so none passes.
        int i = off;
        while (i < end && isTrimmed(b[i])) {
            i++;
        }
        while (end > i && isTrimmed(b[end - 1])) {
            end--;
        }
        if (i == end) {
            return INVALID;
        }
        int start = i;
        boolean negative = false;
        if (b[i] == '+' || b[i] == '-') {
            negative = b[i] == '-';
            i++;
        }
        if (i < end && b[i] == 'I') {
            return equalsAt(b, i, end, INFINITY_TEXT) ? (negative ? NEG_INF : POS_INF) : INVALID;
        }
        int digits = 0;
        boolean point = false;
        for (; i < end; i++) {
            byte c = b[i];
            if (c >= '0' && c <= '9') {
                digits++;
            } else if (c == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (digits == 0) {
            return INVALID;
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int expStart = i;
            while (i < end && b[i] >= '0' && b[i] <= '9') {
                i++;
            }
            if (i == expStart) {
                return INVALID;
            }
        }
        int numberEnd = i;
        if (i < end) {
            byte c = b[i];
            if (i != end - 1 || (c != 'f' && c != 'F' && c != 'd' && c != 'D')) {
                return INVALID;
            }
        }
        return ((long) start << 32) | numberEnd;
    }

    private static final byte[] INFINITY_TEXT = {'I', 'n', 'f', 'i', 'n', 'i', 't', 'y'};
    private static final byte[] INF_LOWER = {'i', 'n', 'f'};
    private static final byte[] INFINITY_LOWER = {'i', 'n', 'f', 'i', 'n', 'i', 't', 'y'};

    /** POS_INF or NEG_INF for the whole text being one of Redis's infinity spellings (any case), else INVALID. */
    private static long infinity(byte[] b, int off, int len) {
        if (len < 3 || len > 9) {
            return INVALID;
        }
        int i = off;
        long result = POS_INF;
        if (b[i] == '-' || b[i] == '+') {
            result = b[i] == '-' ? NEG_INF : POS_INF;
            i++;
        }
        int rest = off + len - i;
        if (rest == 3 && equalsIgnoreCaseAt(b, i, INF_LOWER) || rest == 8 && equalsIgnoreCaseAt(b, i, INFINITY_LOWER)) {
            return result;
        }
        return INVALID;
    }

    private static boolean equalsIgnoreCaseAt(byte[] b, int at, byte[] lower) {
        for (int k = 0; k < lower.length; k++) {
            int c = b[at + k];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower[k]) {
                return false;
            }
        }
        return true;
    }

    private static boolean equalsAt(byte[] b, int at, int end, byte[] text) {
        if (end - at != text.length) {
            return false;
        }
        for (int k = 0; k < text.length; k++) {
            if (b[at + k] != text[k]) {
                return false;
            }
        }
        return true;
    }

    /** Character.isWhitespace of the byte read as US-ASCII (bytes above 0x7f read as U+FFFD, not white space). */
    private static boolean isJavaWhitespace(byte c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
    }

    /** What String.trim drops: characters up to and including the space (bytes above 0x7f are not). */
    private static boolean isTrimmed(byte c) {
        return c >= 0 && c <= ' ';
    }
}
