package io.redback.log;

import io.redback.resp.RespCommand;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shortest exact options that stop a restore or a cut just before a FLUSHALL or FLUSHDB,
 * as the log listings ({@code aof log}, {@code log}) print them under each: {@code --before NAME}
 * for the first of its name, {@code --before NAME --after TIME} for a later one when no earlier
 * one shares its second, else {@code --offset} with the position the caller names. It must see
 * every command, listed or not, and the {@code --before} forms need the log from its start:
 * after {@link #lostTrack()} (a gap, a segment not read) only offsets are given.
 */
public final class CutHints {
    private static final List<String> NAMES = List.of("FLUSHALL", "FLUSHDB");

    private final Map<String, Long> lastTime = new HashMap<>();
    private boolean fromStart = true;

    /** The name a hint is given for (FLUSHALL, FLUSHDB) when c is one, else null. */
    public static String hinted(RespCommand c) {
        String name = null;
        for (String h : NAMES) {
            if (c.argEqualsIgnoreCase(0, h)) {
                name = h;
            }
        }
        return name;
    }

    /** Some of the log was not seen: an earlier FLUSHALL may hide there. */
    public void lostTrack() {
        fromStart = false;
    }

    /**
     * The options for the command named name (from {@link #hinted}) that arrived at time (unix
     * seconds, -1 unknown), offset being the {@code --offset} value that stops before it.
     */
    public List<String> hint(String name, long time, String offset) {
        Long previous = lastTime.put(name, time);
        if (fromStart && previous == null) {
            return List.of("--before", name);
        }
        if (fromStart && time >= 0 && previous < time) {
            return List.of("--before", name, "--after", Instant.ofEpochSecond(time).toString());
        }
        return List.of("--offset", offset);
    }
}
