package io.redback.cli;

import io.redback.repo.Quantities;

/** Quantities and errors as the commands print them for people: sizes, counts, keys, one-line errors. */
final class Text {
    private Text() {
    }

    /** 1,234 B / 12.3 kB / 4.56 MB / 7.89 GB: {@link Quantities#printSize}. */
    static String size(long bytes) {
        return Quantities.printSize(bytes);
    }

    /** {@code 1,204}: {@link Quantities#printCount}. */
    static String count(long n) {
        return Quantities.printCount(n);
    }

    /** {@code 1 key}, {@code 1,204 keys}: {@link Quantities#printKeys}. */
    static String keys(long n) {
        return Quantities.printKeys(n);
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
