package io.redback.repo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@io.redback.testsupport.Fast
class RetentionTest {
    private static final Random RANDOM = new Random(7);

    private static SnapshotId at(String instant) {
        return SnapshotId.at(Instant.parse(instant), RANDOM);
    }

    /** Snapshots every step from first, count of them. */
    private static List<SnapshotId> every(Duration step, String first, int count) {
        List<SnapshotId> ids = new ArrayList<>();
        Instant t = Instant.parse(first);
        for (int i = 0; i < count; i++) {
            ids.add(SnapshotId.at(t, RANDOM));
            t = t.plus(step);
        }
        return ids;
    }

    private static List<Retention.Decision> kept(List<Retention.Decision> decisions) {
        return decisions.stream().filter(Retention.Decision::keep).toList();
    }

    private static List<String> keptTimes(List<Retention.Decision> decisions) {
        return kept(decisions).stream().map(d -> d.id().time().toString()).toList();
    }

    private static long withReason(List<Retention.Decision> decisions, String rule) {
        return decisions.stream().filter(d -> d.reasons().stream().anyMatch(r -> r.startsWith(rule + " "))).count();
    }

    @Test
    void resticDocsTwelveSundaysWithKeepDaily4KeepsTheLastFourSundays() {
        List<SnapshotId> sundays = every(Duration.ofDays(7), "2019-09-01T11:00:00Z", 12);
        List<Retention.Decision> d = Retention.apply(sundays, RetentionPolicy.parse("--keep-daily 4"));
        assertThat(keptTimes(d)).containsExactly("2019-11-17T11:00:00Z", "2019-11-10T11:00:00Z", "2019-11-03T11:00:00Z",
                "2019-10-27T11:00:00Z");
        assertThat(kept(d)).extracting(Retention.Decision::reasons).containsExactly(List.of("daily 2019-11-17"),
                List.of("daily 2019-11-10"), List.of("daily 2019-11-03"), List.of("daily 2019-10-27"));
        assertThat(d).filteredOn(x -> !x.keep()).hasSize(8).allSatisfy(x -> assertThat(x.reasons()).isEmpty());
    }

    @Test
    void resticDocsDailyBackupsForAHundredYears() {
        // "--keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75 would keep the most recent 7 daily
        // snapshots and 4 last-day-of-the-week ones (since the 7 dailies already include 1 weekly). Additionally,
        // 12 or 11 last-day-of-the-month snapshots ... 75 or 74 last-day-of-the-year snapshots."
        // Ending on Sunday 2019-11-17: 7 daily + 4 weekly + 11 monthly (Nov 17 is daily) + 73 yearly (2019 and
        // 2018's Dec 31 are already kept) = 95.
        LocalDate last = LocalDate.of(2019, 11, 17);
        int days = (int) (last.toEpochDay() - last.minusYears(100).toEpochDay());
        List<SnapshotId> daily = every(Duration.ofDays(1), last.minusDays(days - 1) + "T11:00:00Z", days);
        List<Retention.Decision> d = Retention.apply(daily,
                RetentionPolicy.parse("--keep-daily 7 --keep-weekly 5 --keep-monthly 12 --keep-yearly 75"));
        assertThat(kept(d)).hasSize(95);
        assertThat(withReason(d, "daily")).isEqualTo(7);
        assertThat(withReason(d, "weekly")).isEqualTo(5);
        assertThat(withReason(d, "monthly")).isEqualTo(12);
        assertThat(withReason(d, "yearly")).isEqualTo(75);
        assertThat(d.get(0).reasons()).containsExactly("daily 2019-11-17", "weekly 2019-W46", "monthly 2019-11", "yearly 2019");
        assertThat(kept(d).get(kept(d).size() - 1).reasons()).containsExactly("yearly 1945");
    }

    @Test
    void theDefaultPolicyOverFourHundredDaysOfHourlySnapshots() {
        // 2025-10-18T00:15Z .. 2026-11-21T23:15Z hourly (9,600 snapshots; Nov 21 2026 is a Saturday in 2026-W47).
        // hourly 24: all of Nov 21. daily 30: Nov 21 back to Oct 23 at 23:15 (29 more). weekly 52: the Sundays
        // from Oct 18 2026 back to Nov 30 2025 (47 more; W47..W43 were daily). monthly unlimited: the month ends
        // from Sep 30 2026 back to Oct 31 2025 (10 more: Oct 31 2026 is daily, May 31 2026 and Nov 30 2025 are
        // Sundays), and the oldest snapshot, since the rule never runs out (1 more). 24+29+47+10+1 = 111.
        List<SnapshotId> hourly = every(Duration.ofHours(1), "2025-10-18T00:15:00Z", 400 * 24);
        RetentionPolicy policy = RetentionPolicy.parse("--keep-hourly 24 --keep-daily 30 --keep-weekly 52 --keep-monthly -1");
        assertThat(policy).isEqualTo(RetentionPolicy.DEFAULT);

        List<Retention.Decision> d = Retention.apply(hourly, policy);
        assertThat(d).hasSize(9600);
        assertThat(kept(d)).hasSize(111);
        assertThat(d.get(0).reasons()).containsExactly("hourly 2026-11-21T23", "daily 2026-11-21", "weekly 2026-W47",
                "monthly 2026-11");
        assertThat(d.get(23).reasons()).containsExactly("hourly 2026-11-21T00");
        assertThat(d.get(24).reasons()).containsExactly("daily 2026-11-20");
        assertThat(d.get(25).keep()).isFalse();
        Map<String, List<String>> byTime = kept(d).stream().collect(Collectors.toMap(x -> x.id().time().toString(),
                Retention.Decision::reasons));
        assertThat(byTime.get("2026-10-23T23:15:00Z")).containsExactly("daily 2026-10-23");
        assertThat(byTime.get("2026-10-18T23:15:00Z")).containsExactly("weekly 2026-W42");
        assertThat(byTime.get("2026-05-31T23:15:00Z")).containsExactly("weekly 2026-W22", "monthly 2026-05");
        assertThat(byTime.get("2025-11-30T23:15:00Z")).containsExactly("weekly 2025-W48", "monthly 2025-11");
        assertThat(byTime.get("2025-10-31T23:15:00Z")).containsExactly("monthly 2025-10");
        assertThat(byTime.get("2025-10-18T00:15:00Z")).containsExactly("monthly 2025-10 (oldest snapshot)");
        assertThat(withReason(d, "hourly")).isEqualTo(24);
        assertThat(withReason(d, "daily")).isEqualTo(30);
        assertThat(withReason(d, "weekly")).isEqualTo(52);
        assertThat(withReason(d, "monthly")).isEqualTo(15);
        assertThat(d).isEqualTo(oracle(hourly, policy));
    }

    @Test
    void unlimitedKeepsTheNewestOfEveryPeriodAndTheOldestSnapshot() {
        List<SnapshotId> ids = every(Duration.ofMinutes(20), "2026-11-22T00:00:00Z", 15);
        List<Retention.Decision> d = Retention.apply(ids, RetentionPolicy.parse("--keep-hourly unlimited"));
        assertThat(keptTimes(d)).containsExactly("2026-11-22T04:40:00Z", "2026-11-22T03:40:00Z", "2026-11-22T02:40:00Z",
                "2026-11-22T01:40:00Z", "2026-11-22T00:40:00Z", "2026-11-22T00:00:00Z");
        assertThat(d.get(14).reasons()).containsExactly("hourly 2026-11-22T00 (oldest snapshot)");
        assertThat(Retention.apply(ids, RetentionPolicy.parse("--keep-last -1"))).allMatch(Retention.Decision::keep);
    }

    @Test
    void keepLastCountsSnapshotsNotPeriods() {
        List<SnapshotId> ids = every(Duration.ofSeconds(1), "2026-11-22T03:15:00Z", 10);
        List<Retention.Decision> d = Retention.apply(ids, RetentionPolicy.parse("--keep-last 3"));
        assertThat(kept(d)).extracting(Retention.Decision::reasons).containsExactly(List.of("last 1"), List.of("last 2"),
                List.of("last 3"));
        assertThat(kept(d)).extracting(x -> x.id().time().toString()).containsExactly("2026-11-22T03:15:09Z",
                "2026-11-22T03:15:08Z", "2026-11-22T03:15:07Z");
        assertThat(kept(Retention.apply(ids, RetentionPolicy.parse("--keep-last 20")))).hasSize(10);
    }

    @Test
    void snapshotsOfTheSameMillisecondAreOrderedByIdWhateverTheInputOrder() {
        SnapshotId low = SnapshotId.parse("20261122T031500.000Z-000001");
        SnapshotId high = SnapshotId.parse("20261122T031500.000Z-ffffff");
        SnapshotId earlier = SnapshotId.parse("20261122T021500.000Z-abcdef");
        for (List<SnapshotId> order : List.of(List.of(low, high, earlier), List.of(earlier, high, low, high))) {
            List<Retention.Decision> d = Retention.apply(order, RetentionPolicy.parse("--keep-hourly 1"));
            assertThat(d).extracting(Retention.Decision::id).containsExactly(high, low, earlier);
            assertThat(d).extracting(Retention.Decision::keep).containsExactly(true, false, false);
            assertThat(kept(Retention.apply(order, RetentionPolicy.parse("--keep-last 1"))))
                    .extracting(Retention.Decision::id).containsExactly(high);
        }
    }

    @Test
    void withoutAnyRuleEverythingIsKept() {
        List<SnapshotId> ids = every(Duration.ofDays(1), "2026-01-01T00:00:00Z", 5);
        assertThat(Retention.apply(ids, RetentionPolicy.NONE)).allSatisfy(d -> {
            assertThat(d.keep()).isTrue();
            assertThat(d.reasons()).containsExactly("no --keep-* rule given");
        });
        assertThat(Retention.apply(List.of(), RetentionPolicy.DEFAULT)).isEmpty();
    }

    @Test
    void weeksAreIsoWeeksAcrossTheYearBoundary() {
        // Thu 2026-12-31 and Fri 2027-01-01 are both in 2026-W53; Mon 2027-01-04 starts 2027-W01.
        List<SnapshotId> ids = List.of(at("2026-12-31T12:00:00Z"), at("2027-01-01T12:00:00Z"), at("2027-01-04T12:00:00Z"));
        List<Retention.Decision> d = Retention.apply(ids, RetentionPolicy.parse("--keep-weekly 2"));
        assertThat(d).extracting(Retention.Decision::reasons).containsExactly(List.of("weekly 2027-W01"),
                List.of("weekly 2026-W53"), List.of());
    }

    @Test
    void randomHistoriesAgreeWithTheGroupByFormulation() {
        Random random = new Random(20261122);
        for (int round = 0; round < 300; round++) {
            List<SnapshotId> ids = new ArrayList<>();
            Instant t = Instant.parse("2024-01-01T00:00:00Z");
            int n = random.nextInt(60);
            for (int i = 0; i < n; i++) {
                t = t.plusSeconds(random.nextInt(4) == 0 ? random.nextInt(3) : random.nextInt(40 * 86_400));
                ids.add(SnapshotId.at(t, random));
            }
            RetentionPolicy policy = new RetentionPolicy(count(random), count(random), count(random), count(random),
                    count(random), count(random));
            assertThat(Retention.apply(ids, policy)).as("%s on %s", policy, ids).isEqualTo(oracle(ids, policy));
        }
    }

    private static int count(Random random) {
        int r = random.nextInt(10);
        return r < 4 ? 0 : r == 9 ? -1 : random.nextInt(6);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--keep-hourly 24 --keep-daily 30 --keep-weekly 52 --keep-monthly -1 | --keep-hourly 24 --keep-daily 30 --keep-weekly 52 --keep-monthly -1",
            "--keep-last=3 --keep-yearly unlimited                              | --keep-last 3 --keep-yearly -1",
            "--keep-monthly 0                                                   | (no --keep-* rule)"})
    void policiesReadAndPrintAsResticOptions(String options, String printed) {
        assertThat(RetentionPolicy.parse(options)).hasToString(printed);
    }

    @Test
    void badPoliciesAreExplained() {
        assertThatThrownBy(() -> RetentionPolicy.parse("--keep-hours 3")).hasMessageContaining("not a retention option");
        assertThatThrownBy(() -> RetentionPolicy.parse("--keep-daily")).hasMessageContaining("needs a count");
        assertThatThrownBy(() -> RetentionPolicy.parse("--keep-daily lots")).hasMessageContaining("must be a number");
        assertThatThrownBy(() -> RetentionPolicy.parse("--keep-daily -2")).hasMessageContaining("-1 for unlimited");
    }

    /**
     * The same policy by another route: for each rule, the newest snapshot of each of the newest
     * N periods (by grouping, not walking), plus the oldest snapshot when the rule had counts
     * left for it (fewer than N periods among the others, or unlimited).
     */
    private static List<Retention.Decision> oracle(List<SnapshotId> input, RetentionPolicy policy) {
        List<SnapshotId> ids = new ArrayList<>(new HashSet<>(input));
        ids.sort(Comparator.reverseOrder());
        if (policy.isEmpty()) {
            return ids.stream().map(id -> new Retention.Decision(id, true, List.of("no --keep-* rule given"))).toList();
        }
        Map<SnapshotId, List<String>> reasons = new LinkedHashMap<>();
        ids.forEach(id -> reasons.put(id, new ArrayList<>()));
        int[] counts = {policy.last(), policy.hourly(), policy.daily(), policy.weekly(), policy.monthly(), policy.yearly()};
        String[] names = {"last", "hourly", "daily", "weekly", "monthly", "yearly"};
        List<Function<SnapshotId, String>> periods = List.of(
                id -> Integer.toString(ids.indexOf(id) + 1),
                id -> utc(id).toString().substring(0, 13),
                id -> utc(id).toLocalDate().toString(),
                id -> String.format("%04d-W%02d", utc(id).get(IsoFields.WEEK_BASED_YEAR), utc(id).get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
                id -> utc(id).toString().substring(0, 7),
                id -> utc(id).toString().substring(0, 4));
        for (int rule = 0; rule < counts.length; rule++) {
            if (counts[rule] == 0 || ids.isEmpty()) {
                continue;
            }
            Function<SnapshotId, String> period = periods.get(rule);
            Map<String, SnapshotId> newestOfPeriod = new LinkedHashMap<>();
            ids.forEach(id -> newestOfPeriod.putIfAbsent(period.apply(id), id));
            List<String> keptPeriods = new ArrayList<>(newestOfPeriod.keySet());
            if (counts[rule] > 0 && keptPeriods.size() > counts[rule]) {
                keptPeriods = keptPeriods.subList(0, counts[rule]);
            }
            Set<SnapshotId> keptIds = new HashSet<>();
            for (String p : keptPeriods) {
                keptIds.add(newestOfPeriod.get(p));
                reasons.get(newestOfPeriod.get(p)).add(names[rule] + " " + p);
            }
            SnapshotId oldest = ids.get(ids.size() - 1);
            long periodsBeforeOldest = ids.subList(0, ids.size() - 1).stream().map(period).distinct().count();
            if (!keptIds.contains(oldest) && (counts[rule] < 0 || periodsBeforeOldest < counts[rule])) {
                reasons.get(oldest).add(names[rule] + " " + period.apply(oldest) + " (oldest snapshot)");
            }
        }
        List<Retention.Decision> out = new ArrayList<>();
        reasons.forEach((id, r) -> out.add(new Retention.Decision(id, !r.isEmpty(), order(r, names))));
        return out;
    }

    private static List<String> order(List<String> reasons, String[] names) {
        List<String> sorted = new ArrayList<>(reasons);
        List<String> ruleOrder = List.of(names);
        sorted.sort(Comparator.comparing(r -> ruleOrder.indexOf(r.substring(0, r.indexOf(' ')))));
        return Collections.unmodifiableList(sorted);
    }

    private static ZonedDateTime utc(SnapshotId id) {
        return id.time().atZone(ZoneOffset.UTC);
    }
}
