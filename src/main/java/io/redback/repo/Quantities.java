package io.redback.repo;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the durations ({@code 500ms}, {@code 1s}, {@code 15m}, {@code 6h}, {@code 1d}) and sizes ({@code 16MiB}) options and the agent's configuration
 * take; one parser so that {@code 15m} means the same everywhere. Also prints sizes and counts for
 * people ({@code 4.56 MB}, {@code 1,204 keys}), as the commands and the agent's log word them.
 */
public final class Quantities {
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)([kmgt]i?b?|b)?");

    private Quantities() {
    }

    /** A duration; option names the option or key in the error message. */
    public static Duration duration(String option, String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a duration: use e.g. 500ms, 1s, 15m, 6h, 1d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** Bytes; K/M/G/T are binary (1024) units, with or without "iB"/"B". */
    public static long size(String option, String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a size: use e.g. 16MiB, 1GiB, 65536");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift = switch (unit.charAt(0)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            case 't' -> 40;
            default -> 0;
        };
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException(option + " '" + text + "' is too large");
        }
        return n << shift;
    }

    /** 1,234 B / 12.3 kB / 4.56 MB / 7.89 GB (powers of 1000, as the MB/s figures). */
    public static String printSize(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = bytes;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }

    /** {@code 1,204}. */
    public static String printCount(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 1 key}, {@code 1,204 keys}. */
    public static String printKeys(long n) {
        return printCount(n) + (n == 1 ? " key" : " keys");
    }
}
