package io.redback.cli;

import io.redback.aof.LogFilter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * The filters of the commands that list logged commands ({@code aof log}, {@code log}): which
 * commands, database, first key, and how many. The time range is {@link TimeRangeOptions}.
 */
final class LogFilterOptions {
    @Option(names = "--grep", paramLabel = "CMD", split = ",",
            description = "Only these commands (names, case-insensitive; globs such as 'FLUSH*' work). Repeatable.")
    List<String> grep = new ArrayList<>();

    @Option(names = "--db", paramLabel = "N", description = "Only commands applied to database N.")
    Integer db;

    @Option(names = "--key", paramLabel = "GLOB",
            description = "Only commands whose first key matches this glob (case-sensitive, Redis glob syntax).")
    String key;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0",
            description = "Stop after listing N commands (default: all).")
    long limit;

    /** These filters with the time range [since, until] (unix seconds, null for open). */
    LogFilter filter(Long since, Long until) {
        return new LogFilter(grep, db, key, since, until, limit);
    }
}
