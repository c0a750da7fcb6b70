package io.redback.time;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one way redback reads a time a user typed (every option that takes a TIME: restore --at,
 * log --since, aof cut --after, ...). Accepted: {@code now}; a time ago ({@code -30s},
 * {@code -15m}, {@code -2h}, {@code -1d}, {@code -1w}, or combined: {@code -1h30m}); unix
 * seconds ({@code 1795314786}); ISO-8601 with a zone ({@code 2026-11-22T10:15:00Z},
 * {@code 2026-11-22T10:15:00+01:00}, {@code +0100}, {@code +01}, a space instead of the
 * {@code T}, seconds and fractions optional). The result is whole unix seconds, floored: the
 * logs' {@code #TS} times are whole seconds, so "at 10:15:00.5" includes a command annotated
 * 10:15:00. A local time without a zone is refused: on a server in another zone it would
 * silently name another hour.
 */
public final class TimeGrammar {
    /** The accepted forms, for messages and help. */
    public static final String FORMS = "expected unix seconds (1795314786), ISO-8601 with a zone "
            + "(2026-11-22T10:15:00Z, 2026-11-22T11:15:00+01:00), now, or a time ago (-30s, -15m, -2h, -1d, -1h30m)";

    private static final Pattern RELATIVE = Pattern.compile("-((?:\\d+[smhdw])+)");
    private static final Pattern RELATIVE_PART = Pattern.compile("(\\d+)([smhdw])");
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

    private TimeGrammar() {
    }

    /**
     * Unix seconds of {@code text}; {@code now} is what {@code now} and times ago count from.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static long parse(String text, Instant now) {
        String t = text == null ? "" : text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.equals("now")) {
            return now.getEpochSecond();
        }
        Matcher m = RELATIVE.matcher(lower);
        if (m.matches()) {
            long seconds = now.getEpochSecond() - ago(m.group(1), text);
            if (seconds < 0) {
                throw new IllegalArgumentException("'" + text + "' is before 1970; the logs' times are unix seconds");
            }
            return seconds;
        }
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
            throw new IllegalArgumentException("'" + text + "' is before 1970; the logs' times are unix seconds");
        }
        return seconds;
    }

    private static long ago(String parts, String text) {
        long seconds = 0;
        Matcher part = RELATIVE_PART.matcher(parts);
        try {
            while (part.find()) {
                long unit = switch (part.group(2)) {
                    case "s" -> 1;
                    case "m" -> 60;
                    case "h" -> 3600;
                    case "d" -> 86_400;
                    default -> 604_800;
                };
                seconds = Math.addExact(seconds, Math.multiplyExact(Long.parseLong(part.group(1)), unit));
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long ago to be a time");
        }
        return seconds;
    }
}
