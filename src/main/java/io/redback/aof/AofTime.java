package io.redback.aof;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;

/**
 * Times as the AOF commands take them and print them. Redis's {@code #TS:} annotations are whole
 * unix seconds, so a time given on the command line is floored to its second: a command
 * annotated 10:15:00 ran somewhere in [10:15:00, 10:15:01), and "at 10:15:00.5" includes it.
 * Accepted: unix seconds ({@code 1795314786}) and ISO-8601 with a zone ({@code
 * 2026-11-22T10:15:00Z}, {@code 2026-11-22T10:15:00+01:00}, {@code +0100}, {@code +01}, a space
 * instead of the {@code T}, seconds and fractions optional). A local time without a zone is
 * refused: on a server in another zone it would silently name another hour.
 */
public final class AofTime {
    // Later alternatives are tried when earlier ones do not match: +01:00, then +0100, then +01.
    private static final DateTimeFormatter ISO = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendOffset("+HH:MM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HHMM", "Z").optionalEnd()
            .optionalStart().appendOffset("+HH", "Z").optionalEnd()
            .toFormatter();
    // Year 10000: anything later is a typo (or milliseconds given as seconds).
    private static final long MAX_SECONDS = 253_402_300_800L;

    private AofTime() {
    }

    /**
     * Unix seconds of {@code text}.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static long parse(String text) {
        String t = text == null ? "" : text.strip();
        if (!t.isEmpty() && t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (t.length() > 12 || Long.parseLong(t) >= MAX_SECONDS) {
                throw new IllegalArgumentException("'" + text + "' is beyond the year 9999 as unix seconds"
                        + " (milliseconds? drop the last three digits)");
            }
            return Long.parseLong(t);
        }
        if (t.length() > 10 && t.charAt(10) == ' ') {
            t = t.substring(0, 10) + 'T' + t.substring(11);
        }
        TemporalAccessor parsed;
        try {
            parsed = ISO.parse(t);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a time; " + FORMS);
        }
        if (!parsed.isSupported(ChronoField.OFFSET_SECONDS)) {
            throw new IllegalArgumentException("'" + text + "' has no time zone; add one (" + t + "Z for UTC, or "
                    + t + "+01:00), or give unix seconds");
        }
        long seconds = OffsetDateTime.from(parsed).toEpochSecond();
        if (seconds < 0) {
            throw new IllegalArgumentException("'" + text + "' is before 1970; AOF timestamps are unix seconds");
        }
        return seconds;
    }

    /** The accepted forms, for messages and help. */
    public static final String FORMS = "expected unix seconds (1795314786) or ISO-8601 with a zone "
            + "(2026-11-22T10:15:00Z, 2026-11-22T11:15:00+01:00)";

    /** {@code 2026-11-22T10:15:00Z}, or "-" for an unknown time (negative). */
    public static String iso(long seconds) {
        return seconds < 0 ? "-" : Instant.ofEpochSecond(seconds).toString();
    }
}
