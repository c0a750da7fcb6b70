package io.redback.rdb;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Public door to the package-private score parser for the JMH benchmarks in
 * {@code io.redback.bench}, with the String-based parser it replaced for comparison.
 */
public final class ScoreBenchSupport {
    private ScoreBenchSupport() {
    }

    /** n scores as a small-key dataset holds them: shortest-form random doubles, concatenated. */
    public static byte[] scores(int n, int[] offs, int[] lens) {
        SplittableRandom r = new SplittableRandom(19);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String s = i % 8 == 7 ? Integer.toString(r.nextInt(1000))
                    : Double.toString(r.nextDouble(-1000, 1000)).replace("E", "e");
            offs[i] = b.length();
            lens[i] = s.length();
            b.append(s);
        }
        return b.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static double parse(byte[] b, int off, int len) {
        return Numbers.parseScore(b, off, len);
    }

    public static boolean valid(byte[] b, int off, int len) {
        return Numbers.isScore(b, off, len);
    }

    /** The parser before: a String, a lower-cased copy, Double.parseDouble, an exception for garbage. */
    public static double parseBefore(byte[] b, int off, int len) {
        String s = new String(b, off, len, StandardCharsets.US_ASCII);
        switch (s.toLowerCase(Locale.ROOT)) {
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
