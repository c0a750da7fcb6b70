package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.SegmentManifest;
import io.redback.storage.Storage;
import io.redback.storage.s3.TestS3;
import io.redback.repo.SnapshotManifest;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TimelineBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code redback restore --at | --offset | --before} end to end: timelines built from a real
 * source server ({@link TimelineBuilder}), restored through the CLI, and the result started in a
 * fresh redis-server whose DEBUG DIGEST and keyspace must equal a reference server that got
 * exactly the commands up to the cut (also from an S3 repository). Also the refusals: outside the
 * window, a gap, a damaged segment or snapshot, an existing target, and that a dry run writes
 * nothing; and the count of keys whose deadline has passed.
 */
@io.redback.testsupport.Slow
class PointInTimeRestoreTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path tmp;

    private String repo() {
        return tmp.resolve("repo").toString();
    }

    private static String sec(int s) {
        return T0.plusSeconds(s).toString();
    }

    /** Loads the restored DIR (appendonlydir, or dump.rdb) and compares it with the reference server. */
    private static void assertSameData(Path dir, LocalRedisServer reference) throws IOException {
        boolean aof = Files.isDirectory(dir.resolve("appendonlydir"));
        LocalRedisServer.Builder b = Datasets.server().dir(dir);
        if (aof) {
            b.config("appendonly", "yes").config("appenddirname", "appendonlydir");
        }
        try (LocalRedisServer restored = b.start()) {
            assertThat(Datasets.digest(restored)).as("DEBUG DIGEST of " + dir).isEqualTo(Datasets.digest(reference));
            assertThat(Datasets.keyspace(restored)).as("keys per db of " + dir).isEqualTo(Datasets.keyspace(reference));
        }
    }

    private void restoreAndCompare(TimelineBuilder t, long expectedOffset, String... args) throws IOException {
        Path dir = tmp.resolve("restore-" + System.nanoTime());
        String[] all = Stream.concat(Stream.of("restore", "--repo", repo(), "--to-dir", dir.toString(), "-q"),
                Stream.of(args)).toArray(String[]::new);
        Run r = redback(all);
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("restore plan", "cut        at offset " + expectedOffset, "start Redis on it with:");
        try (LocalRedisServer reference = t.replayTo(expectedOffset)) {
            assertSameData(dir, reference);
        }
    }

    @Test
    void atRestoresTheEndOfASecondAcrossSegmentsDatabasesAndATransaction() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "a", "1").load("HSET", "h", "f", "v").db(2).load("SET", "x", "y").db(0);
            t.baseSnapshot();
            t.at(T0.plusMillis(1200)).command("SET", "k1", "v1");
            t.command("INCR", "counter");
            t.at(T0.plusMillis(1500)).db(1).command("SET", "d1", "k");
            t.command("RPUSH", "l", "a", "b");
            long second1 = t.offset();
            t.segment();
            t.at(T0.plusMillis(2100)).db(0).command("SET", "k2", "v2");
            t.ping();
            t.at(T0.plusMillis(3300));
            long beforeMulti = t.offset();
            t.command("MULTI");
            t.command("SET", "t1", "1");
            t.command("INCR", "counter");
            t.segment(); // the transaction goes on in the next segment
            t.at(T0.plusMillis(4000)).command("EXEC");
            t.getack();
            t.db(3).command("SET", "d3", "z");
            t.db(0).command("DEL", "a");
            long second4 = t.offset();
            t.segment();
            t.at(T0.plusMillis(5900)).command("SET", "k5", "v5");
            t.segment();

            restoreAndCompare(t, second1, "--at", sec(1));
            // The first command after 10:00:03 is the EXEC: the cut goes back before its MULTI.
            restoreAndCompare(t, beforeMulti, "--at", sec(3));
            restoreAndCompare(t, second4, "--at", sec(4), "--force");
            restoreAndCompare(t, t.offset(), "--at", sec(5));

            Run plan = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("dry").toString(), "--at", sec(3),
                    "--dry-run", "--json");
            assertThat(plan.exit()).as(plan.err()).isZero();
            JsonNode p = plan.json().get("plan");
            assertThat(p.get("cut").get("offset").asLong()).isEqualTo(beforeMulti);
            assertThat(p.get("cut").get("adjustment").asText()).isEqualTo("before-multi");
            assertThat(p.get("snapshot").get("id").asText()).isEqualTo(t.base().id().toString());
            assertThat(p.get("log").get("segments").asInt()).isEqualTo(2);
            assertThat(p.get("startDb").asInt()).isZero();
            assertThat(plan.json().get("dryRun").asBoolean()).isTrue();
            assertThat(tmp.resolve("dry")).doesNotExist();
        }
    }

    @Test
    void beforeStopsJustBeforeTheFirstMatchingCommandAsAnAofOrAnRdb() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            t.db(5).command("SADD", "s", "x", "y");
            long beforeFirst = t.offset();
            t.at(T0.plusSeconds(2)).command("FLUSHALL");
            t.segment();
            t.at(T0.plusSeconds(3)).db(0).command("SET", "b", "2");
            t.ping();
            long beforeSecond = t.offset();
            t.at(T0.plusSeconds(4)).command("flushall");
            t.at(T0.plusSeconds(5)).command("SET", "c", "3");
            t.segment();

            restoreAndCompare(t, beforeFirst, "--before", "FLUSHALL", "--format", "rdb");
            Run rdb = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("rdb").toString(), "--before",
                    "FLUSH*", "--format", "rdb", "-q");
            assertThat(rdb.exit()).as(rdb.err()).isZero();
            assertThat(rdb.out()).contains("before     FLUSHALL  (offset " + beforeFirst + ", db 5, " + sec(2) + ")",
                    "dump.rdb: 3 keys", "--dbfilename dump.rdb");
            try (Stream<Path> files = Files.list(tmp.resolve("rdb"))) {
                assertThat(files.map(f -> f.getFileName().toString())).as("the scratch files are gone")
                        .containsExactly("dump.rdb");
            }

            restoreAndCompare(t, beforeSecond, "--before", "FLUSHALL", "--after", sec(3));

            Run none = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("none").toString(), "--before",
                    "DEL user:*");
            assertThat(none.exit()).isEqualTo(1);
            assertThat(none.err()).contains("no command matches 'DEL user:*'", "nothing was restored");
            assertThat(tmp.resolve("none")).doesNotExist();
        }
    }

    @Test
    void offsetCutsAtCommandBoundariesAndStartsFromTheNewestSnapshot() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            t.command("HSET", "h", "f1", "v1", "f2", "v2");
            t.segment();
            t.at(T0.plusSeconds(2)).db(1).command("SET", "b", "2");
            SnapshotManifest mid = t.snapshot();
            long atMid = t.offset();
            t.at(T0.plusSeconds(3)).command("LPUSH", "l", "x");
            long beforeIncr = t.offset();
            t.command("INCRBY", "n", "5");
            long beforeMulti = t.offset();
            t.command("MULTI");
            t.command("SET", "in-tx", "1");
            t.command("EXEC");
            t.segment();

            // Inside the INCRBY command: rounded down to its start; replayed from the mid-timeline snapshot.
            Run inside = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("inside").toString(), "--offset",
                    Long.toString(beforeIncr + 5), "--json", "-q");
            assertThat(inside.exit()).as(inside.err()).isZero();
            JsonNode plan = inside.json().get("plan");
            assertThat(plan.get("cut").get("offset").asLong()).isEqualTo(beforeIncr);
            assertThat(plan.get("cut").get("adjustment").asText()).isEqualTo("rounded-down");
            assertThat(plan.get("snapshot").get("id").asText()).isEqualTo(mid.id().toString());
            assertThat(plan.get("startDb").asInt()).isEqualTo(1);
            assertThat(plan.get("commands").asLong()).isEqualTo(1);
            assertThat(inside.json().get("result").get("commands").asLong()).isEqualTo(1);
            try (LocalRedisServer reference = t.replayTo(beforeIncr)) {
                assertSameData(tmp.resolve("inside"), reference);
            }

            restoreAndCompare(t, beforeMulti, "--offset", Long.toString(beforeMulti + 20));
            restoreAndCompare(t, t.offset(), "--offset", Long.toString(t.offset()));
            try (LocalRedisServer all = t.replayTo(t.offset())) {
                assertThat(Datasets.digest(all)).as("the reference replay agrees with the source")
                        .isEqualTo(t.digest());
            }
            Run exact = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("exact").toString(), "--offset",
                    Long.toString(atMid), "-q");
            assertThat(exact.exit()).as(exact.err()).isZero();
            assertThat(exact.out()).contains("snapshot   " + mid.id(), "nothing of the log is replayed", "log        none");
            try (LocalRedisServer reference = t.replayTo(atMid)) {
                assertSameData(tmp.resolve("exact"), reference);
            }
        }
    }

    @Test
    void aPointOutsideTheWindowIsRefusedWithTheNearestRestorablePoints() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(T0.plusMillis(1500)).command("SET", "a", "1");
            t.at(T0.plusMillis(9400)).command("SET", "b", "2");
            t.segment();

            Run early = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("early").toString(), "--at",
                    T0.minusSeconds(60).toString());
            assertThat(early.exit()).isEqualTo(2);
            assertThat(early.err()).contains("--at 2026-11-22T09:59:00Z is before the earliest restorable points",
                    "Nearest after: --at 2026-11-22T10:00:00Z or --offset 1000", "restorable windows of the source:",
                    "2026-11-22T10:00:00Z (offset 1000) to 2026-11-22T10:00:09.400Z (offset " + t.offset() + ")");

            Run late = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("late").toString(), "--at",
                    Long.toString(T0.getEpochSecond() + 10), "--json");
            assertThat(late.exit()).isEqualTo(2);
            assertThat(late.err()).contains("after the latest", "Nearest before: --at 2026-11-22T10:00:09Z or --offset "
                    + t.offset());
            JsonNode error = late.json().get("error");
            assertThat(error.get("kind").asText()).isEqualTo("outside-window");
            assertThat(error.get("windows").get(0).get("toOffset").asLong()).isEqualTo(t.offset());

            Run beyond = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("beyond").toString(), "--offset",
                    Long.toString(t.offset() + 1));
            assertThat(beyond.exit()).isEqualTo(2);
            assertThat(beyond.err()).contains("--offset " + (t.offset() + 1) + " is outside the restorable points");
            assertThat(tmp.resolve("early")).doesNotExist();
            assertThat(tmp.resolve("late")).doesNotExist();
        }
    }

    @Test
    void aGapStopsTheWindowUntilASnapshotFollowsIt() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            long firstEnd = t.offset();
            t.segment();
            t.at(T0.plusSeconds(2)).command("SET", "lost", "1");
            SegmentManifest lost = t.loseSegment();
            t.at(T0.plusSeconds(3)).command("SET", "c", "3");
            t.segment();

            Run gap = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("gap").toString(), "--at", sec(3));
            assertThat(gap.exit()).isEqualTo(1);
            assertThat(gap.err()).contains("beyond a gap", "offsets " + (lost.startOffset() + 1) + ".." + lost.endOffset(),
                    "Nearest before: --at 2026-11-22T10:00:01Z or --offset " + firstEnd);
            Run gapOffset = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("gap").toString(), "--offset",
                    Long.toString(t.offset()));
            assertThat(gapOffset.exit()).isEqualTo(1);
            assertThat(tmp.resolve("gap")).doesNotExist();
            restoreAndCompare(t, firstEnd, "--at", sec(1));

            // A snapshot after the gap opens a second window (its RDB holds what the lost segment did).
            t.at(T0.plusSeconds(4));
            SnapshotManifest after = t.snapshot();
            t.command("SET", "d", "4");
            t.segment();
            Run plan = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("w2").toString(), "--at", sec(4),
                    "--dry-run", "--json");
            assertThat(plan.exit()).as(plan.err()).isZero();
            assertThat(plan.json().get("plan").get("snapshot").get("id").asText()).isEqualTo(after.id().toString());
            restoreAndCompare(t, t.offset(), "--at", sec(4));
            // The snapshot holds everything up to 10:00:03 (the last command before it arrived then).
            restoreAndCompare(t, after.replicationOffset(), "--at", sec(3));
            Run stillGap = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("gap").toString(), "--at",
                    sec(2));
            assertThat(stillGap.exit()).as("10:00:02 is in the lost segment: still in the gap").isEqualTo(1);
            assertThat(stillGap.err()).contains("beyond a gap", "nearest after: --at 2026-11-22T10:00:03Z or --offset "
                    + after.replicationOffset());
        }
    }

    @Test
    void aDamagedSegmentIsFoundBeforeAnythingIsPutInPlace() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            t.segment();
            t.at(T0.plusSeconds(2)).command("SET", "b", "2");
            SegmentManifest damaged = t.segment();
            t.at(T0.plusSeconds(3)).command("SET", "c", "3");
            t.segment();
            Path object = t.objectPath(damaged.object());
            byte[] bytes = Files.readAllBytes(object);
            bytes[bytes.length / 2] ^= 0x20;
            Files.write(object, bytes);

            Path dir = tmp.resolve("restore");
            Run r = redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at", sec(3));
            assertThat(r.exit()).isEqualTo(1);
            assertThat(r.err()).contains(damaged.object(), "damaged", "SHA-256", damaged.sha256Stored());
            assertThat(dir).as("nothing is written when the plan reads the damage").doesNotExist();

            // Before the damaged segment everything is fine.
            restoreAndCompare(t, damaged.startOffset(), "--at", sec(1));

            // A damaged snapshot is found while it is written: nothing is put in place either.
            Path rdb = t.objectPath(t.base().object());
            byte[] stored = Files.readAllBytes(rdb);
            stored[stored.length - 3] ^= 0x01;
            Files.write(rdb, stored);
            Path dir2 = tmp.resolve("restore2");
            Run base = redback("restore", "--repo", repo(), "--to-dir", dir2.toString(), "--at", sec(1));
            assertThat(base.exit()).isEqualTo(1);
            assertThat(base.err()).contains(t.base().object(), "damaged", "SHA-256");
            assertThat(dir2).as("the directory the restore created is gone again").doesNotExist();
        }
    }

    @Test
    void anExistingTargetNeedsForceAndADryRunWritesNothing() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            t.segment();
            Path dir = tmp.resolve("restore");

            Run dry = redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at", sec(1), "--dry-run");
            assertThat(dry.exit()).as(dry.err()).isZero();
            assertThat(dry.out()).contains("restore plan", "dry run: nothing was written").doesNotContain("restored");
            assertThat(dir).doesNotExist();

            assertThat(redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at", sec(1), "-q").exit())
                    .isZero();
            Path incr = dir.resolve("appendonlydir/appendonly.aof.1.incr.aof");
            Files.writeString(dir.resolve("appendonlydir/marker"), "old");
            Run again = redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at", sec(0));
            assertThat(again.exit()).isEqualTo(2);
            assertThat(again.err()).contains(dir.resolve("appendonlydir") + " already exists", "--force");
            assertThat(dir.resolve("appendonlydir/marker")).exists();
            Run againJson = redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at", sec(0), "--json");
            assertThat(againJson.exit()).isEqualTo(2);
            assertThat(againJson.json().path("error").path("kind").asText()).as("a refusal is JSON with --json")
                    .isEqualTo("target-exists");

            Run forced = redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at", sec(0), "--force",
                    "-q");
            assertThat(forced.exit()).as(forced.err()).isZero();
            assertThat(dir.resolve("appendonlydir/marker")).as("the old directory was replaced whole").doesNotExist();
            assertThat(Files.readString(incr)).doesNotContain("SET");
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files.map(f -> f.getFileName().toString())).as("no temporary folder is left")
                        .containsExactly("appendonlydir");
            }
            try (Stream<Path> files = Files.list(dir.resolve("appendonlydir"))) {
                assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(
                        "appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof", "appendonly.aof.manifest");
            }
            assertThat(Files.readString(dir.resolve("appendonlydir/appendonly.aof.manifest"))).isEqualTo(
                    "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");

            // A target that is a symbolic link is neither written through nor replaced, even with --force.
            Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
            Path theirs = Files.writeString(elsewhere.resolve("dump.rdb"), "not ours");
            Path linked = Files.createDirectories(tmp.resolve("linked"));
            Files.createSymbolicLink(linked.resolve("appendonlydir"), elsewhere);
            Files.createSymbolicLink(linked.resolve("dump.rdb"), theirs);
            for (String format : new String[] {"aof", "rdb"}) {
                Run link = redback("restore", "--repo", repo(), "--to-dir", linked.toString(), "--at", sec(1), "--force",
                        "--format", format, "-q");
                assertThat(link.exit()).as(format).isEqualTo(2);
                assertThat(link.err()).as(format).contains(" is a symbolic link");
            }
            assertThat(theirs).hasContent("not ours");
            try (Stream<Path> files = Files.list(linked)) {
                assertThat(files.filter(f -> !Files.isSymbolicLink(f))).as("nothing left behind").isEmpty();
            }
        }
    }

    @Test
    void keysWhoseDeadlinePassedStayDeadAndAreCounted() throws Exception {
        long past = System.currentTimeMillis() - 3_600_000;
        Instant start = Instant.now().minusSeconds(600);
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", start)) {
            t.load("SET", "e1", "v", "PX", "400").load("SET", "e2", "v", "PX", "400").load("SET", "keep", "v");
            t.baseSnapshot();
            t.at(start.plusSeconds(1)).command("SET", "l1", "v", "PXAT", Long.toString(past));
            t.command("PEXPIREAT", "keep", Long.toString(past));
            t.command("SET", "l2", "v", "PXAT", Long.toString(past));
            t.command("SET", "l2", "alive");
            t.command("SET", "f", "v", "PXAT", Long.toString(Datasets.FAR_FUTURE_MS));
            t.segment();
            Thread.sleep(500); // e1 and e2 expire after the base snapshot was taken

            Path dir = tmp.resolve("restore");
            Run r = redback("restore", "--repo", repo(), "--to-dir", dir.toString(), "--at",
                    start.plusSeconds(1).toString(), "-q", "--json");
            assertThat(r.exit()).as(r.err()).isZero();
            JsonNode result = r.json().get("result");
            assertThat(result.get("expiredInSnapshot").asLong()).isEqualTo(2);
            assertThat(result.get("expiredByLog").asLong()).isEqualTo(2);
            Run text = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("text").toString(), "--offset",
                    Long.toString(t.offset()), "--format", "rdb", "-q");
            assertThat(text.out()).contains("4 keys had expired by now and stay dead (2 in the snapshot, 2 ");
            try (LocalRedisServer restored = Datasets.server().dir(dir).config("appendonly", "yes").start();
                 RedisConnection c = restored.connect()) {
                assertThat(c.callLong("EXISTS", "e1", "e2", "l1", "keep")).isZero();
                assertThat(c.callString("GET", "l2")).isEqualTo("alive");
                assertThat(c.callLong("EXISTS", "f")).isEqualTo(1);
            }
        }
    }

    @Test
    void relativeTimesCountBackFromNow() throws Exception {
        Instant now = Instant.now();
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", now.minus(Duration.ofHours(1)))) {
            t.baseSnapshot();
            t.at(now.minus(Duration.ofMinutes(30))).command("SET", "a", "1");
            long halfHourAgo = t.offset();
            t.segment();
            t.at(now.minus(Duration.ofMinutes(10))).command("SET", "b", "2");
            t.segment();
            Run r = redback("restore", "--repo", repo(), "--to-dir", tmp.resolve("r").toString(), "--at", "-15m",
                    "--dry-run", "--json", "--name", "cache-1");
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.json().get("plan").get("cut").get("offset").asLong()).isEqualTo(halfHourAgo);
        }
    }

    @Test
    void helpTeachesAndMisuseIsAUsageError() {
        Run help = redback("restore", "--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("--at=TIME", "--offset=N", "--before=PATTERN", "--after=TIME", "--timeline=ID",
                "--format=aof|rdb", "--dry-run", "redback restore --before FLUSHALL --to-dir ./restore --dry-run",
                "redback restore --at -15m", "Exit codes:", "a gap in the log", "a point outside the");

        Run both = redback("restore", "--repo", repo(), "--to-dir", tmp.toString(), "--at", "now", "--snapshot",
                "latest");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err()).contains("mutually exclusive");
        Run after = redback("restore", "--repo", repo(), "--to-dir", tmp.toString(), "--at", "now", "--after", "-1h");
        assertThat(after.exit()).isEqualTo(2);
        assertThat(after.err()).contains("--after goes with --before");
        Run json = redback("restore", "--repo", repo(), "--to-dir", tmp.toString(), "--snapshot", "latest", "--json");
        assertThat(json.exit()).isEqualTo(2);
        assertThat(json.err()).contains("go with a point in time");
        Run badTime = redback("restore", "--repo", repo(), "--to-dir", tmp.toString(), "--at", "yesterday");
        assertThat(badTime.exit()).isEqualTo(2);
        assertThat(badTime.err()).contains("'yesterday' is not a time", "-15m");
        Run badFormat = redback("restore", "--repo", repo(), "--to-dir", tmp.toString(), "--at", "now", "--format", "x");
        assertThat(badFormat.exit()).isEqualTo(2);
        assertThat(badFormat.err()).contains("--format x");
    }

    @Test
    void restoresFromAnS3Repository() throws Exception {
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", T0);
             TestS3 s3 = TestS3.start()) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "a", "1");
            long before = t.offset();
            t.at(T0.plusSeconds(2)).command("FLUSHALL");
            t.segment();
            s3.createBucket("backups");
            try (Storage bucket = s3.url("backups", "redis").open(); Stream<Path> files = Files.walk(tmp.resolve("repo"))) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String key = tmp.resolve("repo").relativize(f).toString().replace('\\', '/');
                    try (var in = Files.newInputStream(f)) {
                        bucket.put(key, in, Files.size(f));
                    }
                }
            }
            Path dir = tmp.resolve("from-s3");
            Run r = redback(s3.env(), "restore", "--repo", "s3://backups/redis?endpoint=" + s3.endpoint(), "--to-dir",
                    dir.toString(), "--before", "FLUSHALL", "-q");
            assertThat(r.exit()).as(r.err()).isZero();
            try (LocalRedisServer reference = t.replayTo(before)) {
                assertSameData(dir, reference);
            }
        }
    }
}
