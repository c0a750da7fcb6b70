package io.redback.rdb;

import java.nio.charset.StandardCharsets;

/** Parsing of numbers stored as text inside RDB values (scores, stream IDs). */
final class Numbers {
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
        String s = new String(b, off, len, StandardCharsets.US_ASCII);
        switch (s.toLowerCase(java.util.Locale.ROOT)) {
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            default:
                break;
        }
        if (s.isEmpty() || Character.isWhitespace(s.charAt(0)) || s.indexOf('x') >= 0 || s.indexOf('X') >= 0) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
