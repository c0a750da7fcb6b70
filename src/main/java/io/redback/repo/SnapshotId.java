package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Names a snapshot: its start time in UTC to the millisecond (always 3 digits) and 6 random hex
 * digits, e.g. {@code 20261122T031500.412Z-ab12cd}. Ids are fixed width, so they sort as text in
 * time order and a listing is a timeline; two backups started a few milliseconds apart come out
 * in the order they started. The suffix keeps two snapshots started in the same millisecond apart
 * (their order is then the suffix's).
 */
public record SnapshotId(Instant time, String suffix) implements Comparable<SnapshotId> {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'")
            .withZone(ZoneOffset.UTC).withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern TEXT = Pattern.compile("\\d{8}T\\d{6}\\.\\d{3}Z-[0-9a-f]{6}");
    private static final int TIME_LENGTH = "20261122T031500.412Z".length();
    private static final Pattern SUFFIX = Pattern.compile("[0-9a-f]{6}");
    private static final Instant FIRST = Instant.parse("1000-01-01T00:00:00Z");
    private static final Instant END = Instant.parse("+10000-01-01T00:00:00Z");

    /** An id for time (cut to the millisecond) and suffix (6 lowercase hex digits). */
    public SnapshotId {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(suffix, "suffix");
        time = time.truncatedTo(ChronoUnit.MILLIS);
        if (time.isBefore(FIRST) || !time.isBefore(END)) {
            throw new IllegalArgumentException("snapshot time " + time + " is outside years 1000-9999");
        }
        if (!SUFFIX.matcher(suffix).matches()) {
            throw new IllegalArgumentException("snapshot id suffix '" + suffix + "' is not 6 lowercase hex digits");
        }
    }

    /** A new id for a snapshot started at time. */
    public static SnapshotId at(Instant time, RandomGenerator random) {
        byte[] bytes = new byte[3];
        random.nextBytes(bytes);
        return new SnapshotId(time, HexFormat.of().formatHex(bytes));
    }

    /** Parses {@code 20261122T031500.412Z-ab12cd}; IllegalArgumentException otherwise. */
    @JsonCreator
    public static SnapshotId parse(String text) {
        if (text == null || !TEXT.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a snapshot id (like 20261122T031500.412Z-ab12cd)");
        }
        try {
            return new SnapshotId(FORMAT.parse(text.substring(0, TIME_LENGTH), Instant::from),
                    text.substring(TIME_LENGTH + 1));
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + text + "' is not a snapshot id: " + e.getMessage(), e);
        }
    }

    /** True when text has the shape of an id. */
    public static boolean isId(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public int compareTo(SnapshotId other) {
        return toString().compareTo(other.toString());
    }

    @JsonValue
    @Override
    public String toString() {
        return FORMAT.format(time) + "-" + suffix;
    }
}
