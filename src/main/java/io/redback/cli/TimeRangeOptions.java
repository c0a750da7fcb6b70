package io.redback.cli;

import io.redback.aof.AofTime;
import picocli.CommandLine.Option;

/**
 * {@code --since TIME} and {@code --until TIME}: a closed range of seconds, either end open, as
 * journalctl and git spell it. {@code --from} and {@code --to}, their first names in
 * {@code redback log}, still work and are left out of the help.
 */
final class TimeRangeOptions {
    @Option(names = "--since", paramLabel = "TIME", converter = TimeConverter.class,
            description = "Only commands at or after TIME (their #TS second).")
    Long since;

    @Option(names = "--until", paramLabel = "TIME", converter = TimeConverter.class,
            description = "Only commands at or before TIME (their #TS second).")
    Long until;

    @Option(names = "--from", paramLabel = "TIME", converter = TimeConverter.class, hidden = true,
            description = "The old name of --since.")
    Long from;

    @Option(names = "--to", paramLabel = "TIME", converter = TimeConverter.class, hidden = true,
            description = "The old name of --until.")
    Long to;

    /** Unix seconds of the first second in the range, or null for open. */
    Long since() {
        return either(since, "--since", from, "--from");
    }

    /** Unix seconds of the last second in the range, or null for open. */
    Long until() {
        return either(until, "--until", to, "--to");
    }

    /** IllegalArgumentException when both ends are given and the range is empty. */
    TimeRangeOptions checkOrder() {
        Long s = since();
        Long u = until();
        if (s != null && u != null && s > u) {
            throw new IllegalArgumentException("--since " + AofTime.iso(s) + " is after --until " + AofTime.iso(u));
        }
        return this;
    }

    private static Long either(Long value, String name, Long alias, String aliasName) {
        if (value != null && alias != null) {
            throw new IllegalArgumentException(aliasName + " is the old name of " + name + "; give one of them");
        }
        return value != null ? value : alias;
    }
}
