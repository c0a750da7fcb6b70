package io.redback.verify;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What {@code redback verify} found: the verdict, the point compared (the replication id and
 * offset of the source's full sync, the timeline and snapshot the repository rebuilt it from,
 * with how many segments), the comparison when one was made, and the problems: why the
 * repository could not reach the point, or a summary of the differences. Nullable: everything
 * about the point or the comparison that was not reached ({@code offset} when the source has no
 * log at all, {@code comparison} when nothing was rebuilt).
 */
public record VerificationReport(
        Verdict verdict,
        String source,
        String replicationId,
        Long offset,
        String timeline,
        String snapshot,
        int segments,
        RdbComparison.Result comparison,
        List<String> problems,
        Duration elapsed) {

    /** Whether the log reproduces the source. */
    public enum Verdict {
        CONSISTENT, INCONSISTENT;

        /** {@code consistent} or {@code inconsistent}: the name JSON output uses. */
        public String jsonName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public VerificationReport {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(source, "source");
        problems = List.copyOf(problems);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    public boolean consistent() {
        return verdict == Verdict.CONSISTENT;
    }
}
