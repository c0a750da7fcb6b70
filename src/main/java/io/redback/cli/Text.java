package io.redback.cli;

import java.util.Locale;

/** Quantities and errors as the commands print them for people: sizes, counts, keys, one-line errors. */
final class Text {
    private Text() {
    }

    /** 1,234 B / 12.3 kB / 4.56 MB / 7.89 GB (powers of 1000, as the MB/s figures). */
    static String size(long bytes) {
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
    static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    /** {@code 1 key}, {@code 1,204 keys}. */
    static String keys(long n) {
        return count(n) + (n == 1 ? " key" : " keys");
    }

    /**
     * One line for an exception: its message, or its class when it has none; for a defect in
     * redback (see {@link Main#expected}) the line says so, as Main's own handler does.
     */
    static String message(Throwable e) {
        if (!Main.expected(e)) {
            return "internal error: " + e + " (please report it)";
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
