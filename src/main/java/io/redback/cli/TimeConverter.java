package io.redback.cli;

import io.redback.time.TimeGrammar;
import java.time.Instant;
import picocli.CommandLine;

/**
 * Reads the value of every option that takes a TIME (restore --at, log --since, aof cut --after,
 * ...) with {@link TimeGrammar}, into unix seconds; a time ago counts from when the command line
 * is read. A value that is not a time is a usage error naming the forms there are.
 */
final class TimeConverter implements CommandLine.ITypeConverter<Long> {
    /** The forms, for the help texts of the commands that take times. */
    static final String HELP = "Times: unix seconds, ISO-8601 with a zone (Z, +01:00), now, or a time ago (-15m, -2h, -1d).";

    @Override
    public Long convert(String value) {
        try {
            return TimeGrammar.parse(value, Instant.now());
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
