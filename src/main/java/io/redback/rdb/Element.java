package io.redback.rdb;

import java.nio.charset.StandardCharsets;

/**
 * One element of a key's value as the reader delivers it: a list item, a set member, a hash
 * field, a score... It is a reusable view, valid only during the visitor call. Its content is
 * either bytes (a view into the reader's buffer), an integer (as stored by listpack, ziplist
 * or intset) or a double (a sorted-set score). A string longer than the reader's chunk size is
 * delivered in several calls: {@link #isFirstChunk()} and {@link #isLastChunk()} mark them and
 * {@link #totalLength()} gives the whole length, so no element ever has to sit in memory whole.
 */
public final class Element {
    enum Kind { BYTES, INTEGER, DOUBLE }

    private ElementRole role;
    private Kind kind;
    private byte[] array;
    private int offset;
    private int length;
    private long integer;
    private double dbl;
    private long totalLength;
    private boolean first;
    private boolean last;

    Element() {
    }

    Element bytes(ElementRole r, byte[] a, int off, int len) {
        return chunk(r, a, off, len, len, true, true);
    }

    Element chunk(ElementRole r, byte[] a, int off, int len, long total, boolean isFirst, boolean isLast) {
        role = r;
        kind = Kind.BYTES;
        array = a;
        offset = off;
        length = len;
        totalLength = total;
        first = isFirst;
        last = isLast;
        return this;
    }

    Element integer(ElementRole r, long v) {
        role = r;
        kind = Kind.INTEGER;
        integer = v;
        totalLength = decimalLength(v);
        first = true;
        last = true;
        return this;
    }

    Element dbl(ElementRole r, double v) {
        role = r;
        kind = Kind.DOUBLE;
        dbl = v;
        totalLength = 8;
        first = true;
        last = true;
        return this;
    }

    public ElementRole role() {
        return role;
    }

    public boolean isInteger() {
        return kind == Kind.INTEGER;
    }

    public boolean isDouble() {
        return kind == Kind.DOUBLE;
    }

    public boolean isBytes() {
        return kind == Kind.BYTES;
    }

    public long integerValue() {
        return integer;
    }

    public double doubleValue() {
        return dbl;
    }

    /** The buffer holding this chunk's bytes (only for {@link #isBytes()}). */
    public byte[] array() {
        return array;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    /** Length of the whole element in bytes (decimal digits for integers). */
    public long totalLength() {
        return totalLength;
    }

    public boolean isFirstChunk() {
        return first;
    }

    public boolean isLastChunk() {
        return last;
    }

    /** A copy of this chunk's content; integers as decimal text, doubles as Redis prints them. */
    public byte[] toBytes() {
        return switch (kind) {
            case BYTES -> java.util.Arrays.copyOfRange(array, offset, offset + length);
            case INTEGER -> Long.toString(integer).getBytes(StandardCharsets.US_ASCII);
            case DOUBLE -> formatDouble(dbl).getBytes(StandardCharsets.US_ASCII);
        };
    }

    @Override
    public String toString() {
        return new String(toBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Formats a score the way Redis 7.2+ replies with it: integers below 2^53 as integers, the
     * rest as {@link #formatShortest}.
     */
    public static String formatDouble(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 0x1p53 && d != 0) {
            return Long.toString((long) d);
        }
        return formatShortest(d);
    }

    /**
     * Formats a double as Redis 7.2+'s fpconv_dtoa does (what DEBUG DIGEST hashes for a score):
     * the shortest digits that read back as the same double, plain notation for moderate
     * exponents and {@code e+NN} otherwise (so 1e15 is {@code 1e+15}), inf, -inf, nan, and -0.
     */
    public static String formatShortest(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        boolean neg = (Double.doubleToRawLongBits(d) & Long.MIN_VALUE) != 0;
        String sign = neg ? "-" : "";
        if (Double.isInfinite(d)) {
            return sign + "inf";
        }
        if (d == 0) {
            return sign + "0";
        }
        java.math.BigDecimal bd = shortestDigits(Math.abs(d));
        String digits = bd.unscaledValue().toString();
        int nd = digits.length();
        int k = -bd.scale();
        int exp = Math.abs(k + nd - 1);
        StringBuilder sb = new StringBuilder(sign);
        if (k >= 0 && exp < nd + 7) {
            sb.append(digits).append("0".repeat(k));
        } else if (k < 0 && (k > -7 || exp < 4)) {
            int offset = nd + k;
            if (offset <= 0) {
                sb.append("0.").append("0".repeat(-offset)).append(digits);
            } else {
                sb.append(digits, 0, offset).append('.').append(digits, offset, nd);
            }
        } else {
            int e = k + nd - 1;
            sb.append(digits.charAt(0));
            if (nd > 1) {
                sb.append('.').append(digits, 1, nd);
            }
            sb.append('e').append(e < 0 ? '-' : '+').append(Math.abs(e));
        }
        return sb.toString();
    }

    /**
     * The fewest significant digits that read back as {@code d} (positive, finite), the nearest
     * such when several do; Java 17's Double.toString sometimes gives one digit more (4.9E-324).
     */
    private static java.math.BigDecimal shortestDigits(double d) {
        java.math.BigDecimal exact = new java.math.BigDecimal(d);
        for (int p = 1; p < 17; p++) {
            java.math.BigDecimal r = exact.round(new java.math.MathContext(p, java.math.RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                return r.stripTrailingZeros();
            }
        }
        return exact.round(new java.math.MathContext(17, java.math.RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    static int decimalLength(long v) {
        if (v == Long.MIN_VALUE) {
            return 20;
        }
        int n = v < 0 ? 2 : 1;
        long a = Math.abs(v);
        while (a >= 10) {
            a /= 10;
            n++;
        }
        return n;
    }
}
