package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TimelineBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback prune} on a repository with a shipped log, end to end: a timeline built from a
 * real source server ({@link TimelineBuilder}) with a base, periodic snapshots and segments is
 * pruned to its newest snapshot; then the log before that snapshot is gone, {@code check --repo}
 * and {@code status} call the timeline healthy (the pruned head is not a gap), a restore after
 * the snapshot gives the source's data (DEBUG DIGEST), and one before it is refused with the
 * nearest restorable point.
 */
@io.redback.testsupport.Slow
class PruneTimelinesTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path tmp;

    private String repo() {
        return tmp.resolve("repo").toString();
    }

    private static String sec(int s) {
        return T0.plusSeconds(s).toString();
    }

    @Test
    void pruningToTheNewestSnapshotDropsTheLogBeforeItAndRestoresStillWork() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "base", "1").load("HSET", "h", "f", "v");
            t.baseSnapshot();
            List<SegmentManifest> gone = new ArrayList<>();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            t.command("INCR", "counter");
            gone.add(t.segment());
            t.at(T0.plusSeconds(2)).command("RPUSH", "l", "x", "y");
            t.at(T0.plusSeconds(3));
            SnapshotManifest periodic = t.snapshot();
            gone.add(t.segment());
            t.at(T0.plusSeconds(4)).db(1).command("SET", "b", "2");
            gone.add(t.segment());
            t.at(T0.plusSeconds(6)).command("INCR", "counter");
            long atNewest = t.offset();
            SnapshotManifest newest = t.snapshot(); // inside the next segment, which therefore stays whole
            t.at(T0.plusSeconds(7)).db(0).command("SET", "a", "2");
            t.command("HSET", "h", "g", "w");
            long endOf7 = t.offset();
            SegmentManifest straddling = t.segment();
            t.at(T0.plusSeconds(8)).command("DEL", "base");
            SegmentManifest last = t.segment();

            // A dry run says what would go and why the rest stays, and changes nothing.
            Run dry = redback("prune", "--repo", repo(), "--keep-last", "1", "--dry-run", "--json");
            assertThat(dry.exit()).as(dry.err()).isZero();
            JsonNode timeline = dry.json().get("timelines").get(0);
            assertThat(timeline.get("action").asText()).isEqualTo("trim");
            assertThat(timeline.get("segmentsRemoved").asInt()).isEqualTo(3);
            assertThat(timeline.get("restorableFrom").get("snapshot").asText()).isEqualTo(newest.id().toString());
            assertThat(timeline.get("restorableFrom").get("offset").asLong()).isEqualTo(atNewest);
            assertThat(timeline.get("reason").asText()).contains("the log before offset " + atNewest + " is unreachable");
            assertThat(dry.json().get("removals").findValuesAsText("timeline")).contains(t.timelineId().toString());
            assertThat(t.objectPath(gone.get(0).object())).exists();

            Run prune = redback("prune", "--repo", repo(), "--keep-last", "1");
            assertThat(prune.exit()).as(prune.err()).isZero();
            assertThat(prune.out()).contains("forget cache-1/" + periodic.id(), "timelines:",
                    "trim   cache-1/" + t.timelineId() + "  2026-11-22T10:00:00Z .. 2026-11-22T10:00:08Z; restorable "
                            + "from " + newest.id() + " (2026-11-22T10:00:06Z); removed 3 segment(s)",
                    "1 timeline(s), 1 trimmed, 0 removed");
            assertThat(prune.out()).as("segments are summed up per timeline, not listed")
                    .doesNotContain(gone.get(0).object());
            for (SegmentManifest s : gone) {
                assertThat(t.objectPath(s.object())).doesNotExist();
            }
            assertThat(t.objectPath(straddling.object())).exists();
            assertThat(t.objectPath(last.object())).exists();

            // check --repo reads everything and finds no gap where the head was pruned.
            Run check = redback("check", "--repo", repo(), "--read-data");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            assertThat(check.out()).contains("CLEAN", "offsets " + straddling.startOffset() + ".." + t.offset()
                    + " contiguous", "restorable from snapshot " + newest.id()).doesNotContain("GAP");

            Run status = redback("status", "--repo", repo(), "--json");
            assertThat(status.exit()).as(status.out() + status.err()).isZero();
            JsonNode window = status.json().get("sources").get(0).get("timelines").get(0).get("window");
            assertThat(window.get("fromOffset").asLong()).isEqualTo(atNewest);
            assertThat(window.get("from").asText()).isEqualTo(sec(6));
            assertThat(window.get("fromSnapshot").asText()).isEqualTo(newest.id().toString());

            // After the kept snapshot: restored from it, replaying part of the segment that straddles it.
            Path at7 = tmp.resolve("at7");
            Run restore = redback("restore", "--repo", repo(), "--to-dir", at7.toString(), "--at", sec(7), "-q");
            assertThat(restore.exit()).as(restore.out() + restore.err()).isZero();
            assertThat(restore.out()).contains("snapshot   " + newest.id(), "cut        at offset " + endOf7);
            try (LocalRedisServer reference = t.replayTo(endOf7)) {
                assertSameData(at7, reference);
            }

            // Before it: refused, with the nearest point that can still be restored.
            Run early = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("at2").toString(), "--at", sec(2));
            assertThat(early.exit()).isEqualTo(2);
            assertThat(early.err()).contains("is before the earliest restorable points",
                    "prune removed timeline " + t.timelineId() + "'s log before its snapshot " + newest.id(),
                    "Nearest after: --at 2026-11-22T10:00:06Z or --offset " + atNewest);
            assertThat(tmp.resolve("at2")).doesNotExist();

            // Pruning again finds nothing more to do.
            Run again = redback("prune", "--repo", repo(), "--keep-last", "1");
            assertThat(again.exit()).as(again.err()).isZero();
            assertThat(again.out()).contains("keep   cache-1/" + t.timelineId(), "removed 0 object(s)");
        }
    }

    @Test
    void anOlderTimelineWithoutAKeptSnapshotGoesWholeAndTheCurrentOneKeepsItsNewestSnapshot() throws Exception {
        Instant t0 = Instant.parse("2020-01-01T10:00:00Z"); // before the backup below, which takes the time it is run
        SnapshotId oldTimeline;
        SegmentManifest oldSegment;
        try (TimelineBuilder old = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", t0)) {
            old.load("SET", "a", "1");
            old.baseSnapshot();
            old.at(t0.plusSeconds(1)).command("SET", "a", "2");
            oldSegment = old.segment();
            oldTimeline = old.timelineId();
        }
        try (TimelineBuilder current = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", t0.plusSeconds(3600))) {
            current.load("SET", "b", "1");
            current.baseSnapshot();
            current.at(t0.plusSeconds(3601)).command("SET", "b", "2");
            current.segment();
            current.at(t0.plusSeconds(3602));
            SnapshotManifest newest = current.snapshot();
            current.at(t0.plusSeconds(3603)).command("HSET", "h", "f", "v");
            current.segment();
            // The newest snapshot of all: a backup of the server's own replication history, on no timeline.
            Run backup = redback("backup", "--redis", "redis://127.0.0.1:" + current.server().port(), "--name",
                    "cache-1", "--method", "bgsave", "--rdb-file", current.server().rdbFile().toString(), "--repo",
                    repo(), "-q");
            assertThat(backup.exit()).as(backup.err()).isZero();

            Run prune = redback("prune", "--repo", repo(), "--keep-last", "1");
            assertThat(prune.exit()).as(prune.err()).isZero();
            assertThat(prune.out()).contains("keep   cache-1/" + newest.id() + "  (base of the current timeline)",
                    "remove cache-1/" + oldTimeline + "  2020-01-01T10:00:00Z .. 2020-01-01T10:00:01Z; removed 1 "
                            + "segment(s)",
                    "no --keep-* rule keeps any of its 1 snapshot(s) and it is not the current timeline",
                    "trim   cache-1/" + current.timelineId(), "2 timeline(s), 1 trimmed, 1 removed");
            assertThat(tmp.resolve("repo/sources/cache-1/timelines/" + oldTimeline)).doesNotExist();
            assertThat(current.objectPath(oldSegment.object())).doesNotExist();

            Run check = redback("check", "--repo", repo());
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            assertThat(check.out()).contains("CLEAN", "2 snapshot(s), 1 timeline(s)");
            Run status = redback("status", "--repo", repo());
            assertThat(status.exit()).as(status.out() + status.err()).isZero();
            // The window starts when the state the kept snapshot holds was current: the last write before it arrived
            // at 11:00:01 (its segment is gone now, but prune wrote the time down).
            assertThat(status.out()).contains("window    2020-01-01T11:00:01Z .. 2020-01-01T11:00:03Z (2s), offsets "
                    + newest.replicationOffset() + "..").doesNotContain(oldTimeline.toString());

            Path dir = tmp.resolve("latest");
            Run restore = redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at",
                    t0.plusSeconds(3603).toString(), "-q");
            assertThat(restore.exit()).as(restore.out() + restore.err()).isZero();
            try (LocalRedisServer reference = current.replayTo(current.offset())) {
                assertSameData(dir, reference);
            }
        }
    }

    /** Loads the restored appendonlydir and compares it with the reference server. */
    private static void assertSameData(Path dir, LocalRedisServer reference) throws IOException {
        assertThat(dir.resolve("appendonlydir")).satisfies(d -> assertThat(Files.isDirectory(d)).isTrue());
        try (LocalRedisServer restored = Datasets.server().dir(dir).config("appendonly", "yes")
                .config("appenddirname", "appendonlydir").start()) {
            assertThat(Datasets.digest(restored)).as("DEBUG DIGEST of " + dir).isEqualTo(Datasets.digest(reference));
            assertThat(Datasets.keyspace(restored)).as("keys per db of " + dir).isEqualTo(Datasets.keyspace(reference));
        }
    }
}
