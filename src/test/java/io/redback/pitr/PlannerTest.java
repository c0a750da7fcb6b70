package io.redback.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.aof.CommandPattern;
import io.redback.aof.CutPoint;
import io.redback.aof.CutReport.Adjustment;
import io.redback.bytes.Sha256;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.TimelineBuilder;
import io.redback.time.TimeGrammar;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The planner against timelines built from a real server: which timeline and snapshot a point
 * is restored from (two timelines, a failover, a snapshot that belongs to another history), the
 * counts it reports, the refusals, and a segment whose content does not fit its manifest.
 */
@io.redback.testsupport.Fast
class PlannerTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path tmp;

    private static CutPoint.At at(Instant t) {
        return new CutPoint.At(t.getEpochSecond());
    }

    @Test
    void theNewestTimelineHoldingThePointIsChosenUnlessOneIsNamed() throws Exception {
        Path repoDir = tmp.resolve("repo");
        long oldEnd;
        SnapshotId oldId;
        try (TimelineBuilder old = TimelineBuilder.start(repoDir, "cache-1", T0)) {
            old.baseSnapshot();
            old.at(T0.plusSeconds(1)).command("SET", "a", "1");
            old.at(T0.plusSeconds(2)).command("SET", "b", "2");
            old.segment();
            oldEnd = old.offset();
            oldId = old.timelineId();
        }
        try (TimelineBuilder t = TimelineBuilder.start(repoDir, "cache-1", T0.plusSeconds(60))) {
            t.load("SET", "x", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(61)).command("SET", "c", "3");
            t.segment();
            Planner planner = new Planner(t.repository());

            assertThat(planner.source(null)).isEqualTo("cache-1");
            assertThat(planner.windows("cache-1")).hasSize(2);
            Plan inOld = planner.plan("cache-1", at(T0.plusSeconds(1)), null);
            assertThat(inOld.timeline()).isEqualTo(oldId);
            assertThat(inOld.commands()).isEqualTo(2); // SELECT 0 and SET a
            Plan inNew = planner.plan("cache-1", at(T0.plusSeconds(61)), null);
            assertThat(inNew.timeline()).isEqualTo(t.timelineId());
            assertThat(inNew.cutOffset()).isEqualTo(t.offset());

            // Both timelines start at offset 1000: the newest holding the offset wins, --timeline picks another.
            CutPoint.Offset offset = Planner.parseOffset(Long.toString(TimelineBuilder.START_OFFSET));
            assertThat(planner.plan("cache-1", offset, null).timeline()).isEqualTo(t.timelineId());
            Plan named = planner.plan("cache-1", Planner.parseOffset(Long.toString(oldEnd)), oldId.toString().substring(0, 17));
            assertThat(named.timeline()).isEqualTo(oldId);
            assertThat(named.segments()).hasSize(1);

            // Between the two timelines nothing was shipped.
            assertThatThrownBy(() -> planner.plan("cache-1", at(T0.plusSeconds(30)), null))
                    .isInstanceOfSatisfying(RestoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RestoreException.Kind.OUTSIDE_WINDOW);
                        assertThat(e.getMessage()).contains("between the restorable points",
                                "Nearest before: --at 2026-11-22T10:00:02Z", "nearest after: --at 2026-11-22T10:01:00Z");
                        assertThat(e.windows()).hasSize(2);
                    });
        }
    }

    @Test
    void aFailoverKeepsTheTimelineAndOnlyItsOwnSnapshotsAreUsed() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            t.segment();
            t.failover();
            t.at(T0.plusSeconds(2)).command("SET", "b", "2");
            t.segment();
            SnapshotManifest afterFailover = t.snapshot();
            assertThat(afterFailover.replicationId()).isNotEqualTo(t.base().replicationId());
            t.at(T0.plusSeconds(3)).command("SET", "c", "3");
            t.segment();
            SnapshotManifest foreign = copyWithReplicationId(t, afterFailover, "f".repeat(40), T0.plusSeconds(3));

            Planner planner = new Planner(t.repository());
            Plan plan = planner.plan("cache-1", at(T0.plusSeconds(3)), null);
            assertThat(plan.snapshot().id()).as("the snapshot after the failover, not the foreign one")
                    .isEqualTo(afterFailover.id()).isNotEqualTo(foreign.id());
            assertThat(plan.segments()).hasSize(1);
            assertThat(plan.startDb()).isZero();
            Plan early = planner.plan("cache-1", at(T0.plusSeconds(1)), null);
            assertThat(early.snapshot().id()).isEqualTo(t.base().id());
        }
    }

    /** Another snapshot with the same data but another history's replication id. */
    private static SnapshotManifest copyWithReplicationId(TimelineBuilder t, SnapshotManifest m, String replid,
                                                          Instant time) throws Exception {
        Repository repo = t.repository();
        SnapshotId id = new SnapshotId(time, "abcdef");
        String key = repo.dataKey(m.source(), id, m.compression());
        byte[] data = Files.readAllBytes(t.objectPath(m.object()));
        repo.storage().put(key, new ByteArrayInputStream(data), data.length);
        SnapshotManifest copy = new SnapshotManifest(m.formatVersion(), id, m.source(), m.sourceAddress(),
                m.redisVersion(), m.rdbVersion(), replid, m.replicationOffset(), m.method(), time, time, m.rawSize(),
                m.storedSize(), m.compression(), m.sha256Stored(), m.sha256Raw(), m.keys(), m.keysWithExpiry(),
                m.verdict(), key);
        repo.commit(copy);
        return copy;
    }

    @Test
    void countsLeaveOutPingAndReplconfAndATransactionCutBeforeItsMulti() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            t.ping();
            t.getack();
            long beforeMulti = t.offset();
            t.command("MULTI");
            t.command("INCR", "n");
            t.segment();
            t.command("DEL", "gone");
            t.command("EXEC");
            t.segment();

            Planner planner = new Planner(t.repository());
            Plan p = planner.plan("cache-1", new CutPoint.Before(CommandPattern.parse("DEL"), -1), null);
            assertThat(p.cutOffset()).isEqualTo(beforeMulti);
            assertThat(p.adjustment()).isEqualTo(Adjustment.BEFORE_MULTI);
            assertThat(p.commands()).isEqualTo(2);
            assertThat(p.dropped()).isEqualTo(2);
            assertThat(p.matched().command()).isEqualTo("DEL \"gone\"");
            assertThat(p.matched().offset()).isGreaterThan(beforeMulti);
            Plan all = planner.plan("cache-1", at(T0.plusSeconds(1)), null);
            assertThat(all.cutOffset()).isEqualTo(t.offset());
            assertThat(all.commands()).isEqualTo(6);
            assertThat(all.segments()).hasSize(2);
            assertThat(all.replayBytes()).isEqualTo(t.offset() - TimelineBuilder.START_OFFSET);
        }
    }

    @Test
    void aSegmentThatDoesNotFitItsManifestIsDamageEvenWithMatchingHashes() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.compression(Compression.NONE);
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            SegmentManifest s = t.segment();
            // Rewrite the object (a bulk length changed) and a manifest with its true hashes.
            Path object = t.objectPath(s.object());
            byte[] data = new String(Files.readAllBytes(object), StandardCharsets.ISO_8859_1)
                    .replace("$1\r\na", "$2\r\na").getBytes(StandardCharsets.ISO_8859_1);
            Files.write(object, data);
            String sha = Sha256.of(data);
            t.repository().commit(new SegmentManifest(s.formatVersion(), s.source(), s.timeline(), s.startOffset(),
                    s.endOffset(), s.replicationId(), s.selectedDb(), s.firstArrival(), s.lastArrival(), s.commands(),
                    data.length, data.length, s.compression(), sha, sha, s.index(), s.object()));

            Planner planner = new Planner(t.repository());
            assertThatThrownBy(() -> planner.plan("cache-1", at(T0.plusSeconds(1)), null))
                    .isInstanceOfSatisfying(RestoreException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RestoreException.Kind.DAMAGED);
                        assertThat(e.dataProblem()).isTrue();
                        assertThat(e.getMessage()).contains(s.object(), "is not a valid command log at byte");
                    });
        }
    }

    @Test
    void aRepositoryWithoutALogIsRefused() throws Exception {
        try (FileStorage storage = new FileStorage(tmp.resolve("empty"))) {
            Repository repo = Repository.init(storage, java.time.Clock.systemUTC());
            Planner planner = new Planner(repo);
            assertThatThrownBy(() -> planner.source(null)).isInstanceOfSatisfying(RestoreException.class,
                    e -> assertThat(e.getMessage()).contains("no source", "has a log", "redback stream"));
            assertThatThrownBy(() -> planner.plan("cache-1", at(T0), null)).isInstanceOfSatisfying(
                    RestoreException.class, e -> assertThat(e.kind()).isEqualTo(RestoreException.Kind.NOT_FOUND));
        }
    }

    @Test
    void timesAreAbsoluteRelativeOrNow() {
        Instant now = Instant.parse("2026-11-22T10:00:00.750Z");
        long s = now.getEpochSecond();
        assertThat(TimeGrammar.parse("now", now)).isEqualTo(s);
        assertThat(TimeGrammar.parse("-30s", now)).isEqualTo(s - 30);
        assertThat(TimeGrammar.parse("-15m", now)).isEqualTo(s - 900);
        assertThat(TimeGrammar.parse("-2h", now)).isEqualTo(s - 7200);
        assertThat(TimeGrammar.parse("-1d", now)).isEqualTo(s - 86_400);
        assertThat(TimeGrammar.parse("-1h30m", now)).isEqualTo(s - 5400);
        assertThat(TimeGrammar.parse("2026-11-22T11:00:00+01:00", now)).isEqualTo(s);
        assertThat(TimeGrammar.parse(Long.toString(s), now)).isEqualTo(s);
        assertThatThrownBy(() -> TimeGrammar.parse("2026-11-22T10:00:00", now)).hasMessageContaining("no time zone");
        assertThatThrownBy(() -> TimeGrammar.parse("-15x", now)).hasMessageContaining("a time ago (-30s");
        assertThat(Planner.parseOffset("1_000,000").offset()).isEqualTo(1_000_000);
        assertThatThrownBy(() -> Planner.parseOffset("file:12")).hasMessageContaining("not a replication offset");
        assertThat(Planner.parseOffset("7").file()).isNull();
    }
}
