package io.redback.cli;

import io.redback.drill.Drills;
import io.redback.repo.Quantities;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * {@code --drill-max-age}: how old a source's newest restore drill may be before it is overdue,
 * one option with one default for every command that judges drills (status, doctor); the rule
 * itself is {@link Drills#overdue}.
 */
final class DrillMaxAgeOption {
    @Option(names = "--drill-max-age", paramLabel = "DURATION", defaultValue = Drills.DEFAULT_MAX_AGE_TEXT,
            description = "Flag a source whose last restore drill is older than this, or that has none (default "
                    + Drills.DEFAULT_MAX_AGE_TEXT + ").")
    String drillMaxAge;

    /** The age asked; IllegalArgumentException naming the option when it is not a duration. */
    Duration maxAge() {
        return Quantities.duration("--drill-max-age", drillMaxAge);
    }
}
