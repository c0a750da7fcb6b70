package io.redback.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.drill.DrillResult;
import io.redback.drill.Drills;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.storage.file.FileStorage;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Do the backups restore?" as doctor answers it from the drills recorded in a file repository:
 * none, the newest failed, passed long ago, passed lately; judged by the same rule and default
 * age as {@code status}.
 */
@io.redback.testsupport.Fast
class LastDrillCheckTest {
    private static final Instant NOW = Instant.parse("2026-12-07T06:00:00Z");
    private static final Doctor.Options STORE = new Doctor.Options(Profile.STORE, null, null);
    private static final Doctor.Options CACHE = new Doctor.Options(Profile.CACHE, null, null);

    @TempDir
    Path tmp;

    private Repository repo;
    private final Random random = new Random(7);

    @BeforeEach
    void init() throws Exception {
        repo = Repository.init(new FileStorage(tmp.resolve("repo")), Clock.systemUTC());
    }

    private DrillResult drill(String source, Duration ago, List<String> problems) throws Exception {
        Instant at = NOW.minus(ago);
        DrillResult r = new DrillResult(DrillResult.FORMAT, SnapshotId.at(at, random).toString(), source,
                at.toString(), "snapshot", SnapshotId.at(at.minusSeconds(3600), random).toString(), null, null, null,
                "throwaway", "7.0.15", Map.of("fetch", 1.0, "load", 2.5), 3.5, null, 1000, 1000, problems,
                problems.isEmpty() ? DrillResult.PASSED : DrillResult.FAILED, null);
        Drills.record(repo, r);
        return r;
    }

    private Check lastDrill(Doctor.Options options) throws Exception {
        return BackupChecks.run(repo, "src", options, NOW).stream()
                .filter(c -> c.id().equals("backup.last-drill")).findFirst().orElseThrow();
    }

    @Test
    void noDrillWarnsAStoreAndIsNotedForACache() throws Exception {
        drill("other", Duration.ofHours(1), List.of()); // another source's drill proves nothing for this one
        Check store = lastDrill(STORE);
        assertThat(store.status()).isEqualTo(Check.Status.WARN);
        assertThat(store.message()).contains("no restore drill recorded for src");
        assertThat(store.fix()).contains("redback drill --name src --repo", "schedule it in the agent");
        assertThat(store.evidence()).containsEntry("maxAgeSeconds", Duration.ofDays(35).toSeconds());

        Check cache = lastDrill(CACHE);
        assertThat(cache.status()).isEqualTo(Check.Status.OK);
        assertThat(cache.message()).contains("no restore drill recorded", "fine for a cache", "redback drill --name src");
    }

    @Test
    void theNewestDrillFailedFailsNamingItWhenAndItsFirstProblem() throws Exception {
        drill("src", Duration.ofDays(3), List.of());
        DrillResult failed = drill("src", Duration.ofHours(2), List.of("GET str:small: expected bye, served hello",
                "RTO 12.000 s beyond the limit of 10.000 s"));
        for (Doctor.Options options : List.of(STORE, CACHE)) {
            Check c = lastDrill(options);
            assertThat(c.status()).isEqualTo(Check.Status.FAIL);
            assertThat(c.message()).contains(failed.id(), "2 h ago", "expected bye, served hello", "and 1 more");
            assertThat(c.evidence()).containsEntry("drill", failed.id()).containsEntry("verdict", "failed")
                    .containsEntry("problems", failed.problems()).containsEntry("ageSeconds", 7200L);
            assertThat(c.fix()).contains("sources/src/drills/" + failed.id() + ".json", "redback drill --name src");
        }
    }

    @Test
    void aPassedDrillOlderThanTheMaximumAgeWarnsWithItsAge() throws Exception {
        DrillResult old = drill("src", Duration.ofDays(40), List.of());
        Check c = lastDrill(STORE);
        assertThat(c.status()).isEqualTo(Check.Status.WARN);
        assertThat(c.message()).contains("passed 40 d ago", old.id(), "older than 35 d");
        assertThat(c.evidence()).containsEntry("ageSeconds", Duration.ofDays(40).toSeconds());
        assertThat(c.fix()).contains("redback drill --name src");
        assertThat(Drills.overdue(Drills.latest(repo, "src"), NOW, Drills.DEFAULT_MAX_AGE)).isTrue();

        // a cache's old drill is noted, as a cache without one is
        assertThat(lastDrill(CACHE).status()).isEqualTo(Check.Status.OK);
        // --drill-max-age 60d: recent enough
        Check within = lastDrill(new Doctor.Options(Profile.STORE, null, null, Duration.ofDays(60)));
        assertThat(within.status()).isEqualTo(Check.Status.OK);
        assertThat(within.evidence()).containsEntry("maxAgeSeconds", Duration.ofDays(60).toSeconds());
    }

    @Test
    void aRecentPassedDrillIsOkWithItsAgeAndRto() throws Exception {
        drill("src", Duration.ofDays(10), List.of("an older failure"));
        DrillResult recent = drill("src", Duration.ofSeconds(3), List.of());
        Check c = lastDrill(STORE);
        assertThat(c.status()).isEqualTo(Check.Status.OK);
        assertThat(c.message()).isEqualTo("the newest drill passed 3 s ago (" + recent.id() + ", RTO 3.500 s)");
        assertThat(c.evidence()).containsEntry("rtoSeconds", 3.5).containsEntry("verdict", "passed");
        assertThat(c.fix()).isNull();
        // within a shorter maximum age than it has: overdue, as status flags it
        Check strict = lastDrill(new Doctor.Options(Profile.STORE, null, null, Duration.ofSeconds(1)));
        assertThat(strict.status()).isEqualTo(Check.Status.WARN);
        assertThat(Drills.overdue(Drills.latest(repo, "src"), NOW, Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void theMaximumAgeDefaultsToStatussAndMustBePositive() {
        assertThat(STORE.drillMaxAge()).isEqualTo(Drills.DEFAULT_MAX_AGE).isEqualTo(Duration.ofDays(35));
        assertThatThrownBy(() -> new Doctor.Options(Profile.STORE, null, null, Duration.ZERO))
                .hasMessageContaining("--drill-max-age must be positive");
    }
}
