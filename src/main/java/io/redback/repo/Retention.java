package io.redback.repo;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.function.BiFunction;

/**
 * Decides which snapshots of one source a {@link RetentionPolicy} keeps, with restic's
 * {@code forget} semantics. Snapshots are walked newest first; each rule keeps a snapshot when
 * it opens a period the rule has not seen yet (an hour, a day, an ISO week, a month, a year, or
 * for {@code last} every snapshot), until it has kept its count. As in restic since 0.15, a rule
 * that still has counts left when it reaches the oldest snapshot keeps that one too, so that a
 * short history is kept whole rather than cut. Periods are UTC. Snapshots are ordered by id
 * (time to the millisecond, then the random suffix), so the result never depends on listing order.
 */
public final class Retention {

    /** The verdict on one snapshot: kept, with every rule that keeps it, or forgotten (no reasons). */
    public record Decision(SnapshotId id, boolean keep, List<String> reasons) {
        public Decision {
            reasons = List.copyOf(reasons);
        }
    }

    /** The rules in restic's order, each naming the period a snapshot falls in. */
    private enum Rule {
        LAST("last", (t, nr) -> Integer.toString(nr + 1)),
        HOURLY("hourly", (t, nr) -> String.format(Locale.ROOT, "%04d-%02d-%02dT%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth(), t.getHour())),
        DAILY("daily", (t, nr) -> String.format(Locale.ROOT, "%04d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth())),
        WEEKLY("weekly", (t, nr) -> String.format(Locale.ROOT, "%04d-W%02d", t.get(IsoFields.WEEK_BASED_YEAR), t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR))),
        MONTHLY("monthly", (t, nr) -> String.format(Locale.ROOT, "%04d-%02d", t.getYear(), t.getMonthValue())),
        YEARLY("yearly", (t, nr) -> String.format(Locale.ROOT, "%04d", t.getYear()));

        final String label;
        final BiFunction<ZonedDateTime, Integer, String> period;

        Rule(String label, BiFunction<ZonedDateTime, Integer, String> period) {
            this.label = label;
            this.period = period;
        }

        int count(RetentionPolicy p) {
            return switch (this) {
                case LAST -> p.last();
                case HOURLY -> p.hourly();
                case DAILY -> p.daily();
                case WEEKLY -> p.weekly();
                case MONTHLY -> p.monthly();
                case YEARLY -> p.yearly();
            };
        }
    }

    private Retention() {
    }

    /** A decision for each distinct snapshot, newest first. An empty policy keeps everything. */
    public static List<Decision> apply(Collection<SnapshotId> snapshots, RetentionPolicy policy) {
        List<SnapshotId> newestFirst = new ArrayList<>(new TreeSet<>(snapshots).descendingSet());
        List<Decision> decisions = new ArrayList<>(newestFirst.size());
        if (policy.isEmpty()) {
            newestFirst.forEach(id -> decisions.add(new Decision(id, true, List.of("no --keep-* rule given"))));
            return decisions;
        }
        Rule[] rules = Rule.values();
        int[] left = new int[rules.length];
        String[] lastPeriod = new String[rules.length];
        for (Rule r : rules) {
            left[r.ordinal()] = r.count(policy);
        }
        int oldest = newestFirst.size() - 1;
        for (int nr = 0; nr <= oldest; nr++) {
            SnapshotId id = newestFirst.get(nr);
            ZonedDateTime time = id.time().atZone(ZoneOffset.UTC);
            List<String> reasons = new ArrayList<>();
            for (Rule r : rules) {
                int i = r.ordinal();
                if (left[i] == 0) {
                    continue;
                }
                String period = r.period.apply(time, nr);
                boolean newPeriod = !period.equals(lastPeriod[i]);
                if (newPeriod || nr == oldest) {
                    reasons.add(r.label + " " + period + (newPeriod ? "" : " (oldest snapshot)"));
                    lastPeriod[i] = period;
                    if (left[i] > 0) {
                        left[i]--;
                    }
                }
            }
            decisions.add(new Decision(id, !reasons.isEmpty(), reasons));
        }
        return decisions;
    }
}
