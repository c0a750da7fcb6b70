package io.redback.drill;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one restore drill found, as it is recorded in the repository
 * ({@code sources/<source>/drills/<id>.json}) and printed: which point was restored (a snapshot,
 * or a cut of a timeline with its offset and time), into what (a throwaway redis-server or the
 * {@code --into} target, with its version), how long each phase took in seconds (fetch, verify,
 * replay, load, validate: those that ran), their total (the RTO) against the limit asked, the keys
 * the server held, how many were compared by digest, the problems found (each naming the first
 * differences), and the verdict: {@code passed} when there is no problem.
 *
 * @param startedAt ISO-8601 UTC
 * @param snapshot  the snapshot id restored (for a point in time: the plan's starting snapshot)
 * @param timeline  the timeline of a point in time, else null
 * @param cutOffset the replication offset of a point in time, else null
 * @param cutTime   when the last replayed command arrived (ISO-8601), else null
 * @param rtoLimitSeconds {@code --rto}, null when none was given
 * @param kept      with {@code --keep}: the address of the server left running, else null
 */
public record DrillResult(int format, String id, String source, String startedAt, String point, String snapshot,
                          String timeline, Long cutOffset, String cutTime, String target, String serverVersion,
                          Map<String, Double> phases, double rtoSeconds, Double rtoLimitSeconds, long keys,
                          long sampled, List<String> problems, String verdict, String kept) {
    /** The format version this release writes and reads. */
    public static final int FORMAT = 1;
    public static final String PASSED = "passed";
    public static final String FAILED = "failed";

    public DrillResult {
        phases = phases == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(phases));
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    public boolean passed() {
        return PASSED.equals(verdict);
    }

    /** How long before now the drill started. */
    public Duration age(Instant now) {
        return Duration.between(Instant.parse(startedAt), now);
    }
}
