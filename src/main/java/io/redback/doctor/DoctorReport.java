package io.redback.doctor;

import java.util.List;

/**
 * What {@code redback doctor} found: every check in the order it ran. The verdict is the worst
 * status among them ({@code fail} over {@code warn} over {@code ok}; skips do not count).
 */
public record DoctorReport(String server, List<Check> checks) {
    public DoctorReport {
        checks = List.copyOf(checks);
    }

    /** {@link Check.Status#FAIL}, {@link Check.Status#WARN} or {@link Check.Status#OK}. */
    public Check.Status verdict() {
        Check.Status worst = Check.Status.OK;
        for (Check c : checks) {
            if (c.status() == Check.Status.FAIL) {
                return Check.Status.FAIL;
            }
            if (c.status() == Check.Status.WARN) {
                worst = Check.Status.WARN;
            }
        }
        return worst;
    }

    /** The check with this id, or null. */
    public Check get(String id) {
        return checks.stream().filter(c -> c.id().equals(id)).findFirst().orElse(null);
    }
}
