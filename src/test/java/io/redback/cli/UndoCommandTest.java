package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.StreamedSource;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The FLUSHALL runbook in one command: a streamed source takes writes, someone runs FLUSHALL,
 * the application keeps writing (some keys of before, some new, one written and deleted again),
 * and {@code redback undo} brings back the state before the accident with every key written
 * since as it is now. Also {@code restore --before FLUSHALL --into} on an empty server, and the
 * hint {@code redback log} prints under a FLUSHALL.
 */
@io.redback.testsupport.Slow
class UndoCommandTest {
    @TempDir
    Path tmp;

    private static final Consumer<Jedis> BEFORE = j -> {
        for (int i = 1; i <= 5; i++) {
            j.set("user:" + i, "name-" + i);
        }
        j.hset("profile:1", Map.of("a", "1", "b", "2"));
        j.rpush("queue", "old-1", "old-2");
        j.set("session", "s");
        j.pexpireAt("session", Datasets.FAR_FUTURE_MS);
        j.select(2);
        j.set("db2:key", "v");
        j.select(0);
    };

    private static final Consumer<Jedis> SINCE = j -> {
        j.set("user:1", "renamed");  // written since: stays as it is now
        j.set("user:2", "tmp");
        j.del("user:2");             // written and deleted since: stays deleted
        j.rpush("queue", "new-1");   // recreated since: never merged with the old list
        j.set("fresh", "x");         // new since
    };

    @Test
    void undoAFlushallKeepsEveryKeyWrittenSince() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, "src");
             LocalRedisServer expected = Datasets.server().start(); Jedis e = Datasets.jedis(expected)) {
            Jedis j = s.jedis();
            BEFORE.accept(j);
            s.awaitShipped();
            j.flushAll();
            SINCE.accept(j);
            s.awaitShipped();
            BEFORE.accept(e); // the expected state: before, with the keys written since as they are now
            e.del("queue");
            SINCE.accept(e);
            String live = "redis://127.0.0.1:" + s.redis().port();

            Run log = redback("log", "--name", "src", "--repo", s.repoUrl(), "--grep", "FLUSHALL");
            assertThat(log.exit()).as(log.err()).isZero();
            assertThat(log.out()).contains("-> undo it on the live server (plan first, then --apply): redback undo "
                    + "--name src --before 'FLUSHALL' --into redis://HOST:PORT");

            long keysBefore = j.dbSize();
            Run plan = redback("undo", "--name", "src", "--before", "FLUSHALL", "--into", live, "--repo", s.repoUrl(),
                    "-q");
            assertThat(plan.exit()).as(plan.err() + plan.out()).isZero();
            assertThat(plan.out()).contains("undo plan: FLUSHALL", "dry run: nothing was written",
                    "db 0 user:1: written since the accident", "ACL SETUSER app -flushall -flushdb");
            assertThat(j.dbSize()).as("the plan writes nothing").isEqualTo(keysBefore);

            Run json = redback("undo", "--name", "src", "--before", "FLUSHALL", "--into", live, "--repo", s.repoUrl(),
                    "--json");
            assertThat(json.exit()).as(json.err()).isZero();
            JsonNode p = json.json();
            assertThat(p.get("applied").asBoolean()).isFalse();
            assertThat(p.get("toRestore").asLong()).as("user:3..5, profile:1, session, db2:key").isEqualTo(6);
            assertThat(RestoreIntoServerTest.keysOf(p.get("skippedKeys")))
                    .containsExactlyInAnyOrder("user:1", "user:2", "queue");

            Run badLossy = redback("undo", "--name", "src", "--before", "FLUSHALL", "--into", live, "--repo",
                    s.repoUrl(), "--lossy", "sometimes", "--apply");
            assertThat(badLossy.exit()).isEqualTo(2);
            assertThat(badLossy.err()).contains("sometimes");
            assertThat(j.dbSize()).as("a bad --lossy writes nothing").isEqualTo(keysBefore);

            Run apply = redback("undo", "--name", "src", "--before", "FLUSHALL", "--into", live, "--repo",
                    s.repoUrl(), "--apply", "--lossy", "skip-key", "-q");
            assertThat(apply.exit()).as(apply.err() + apply.out()).isZero();
            assertThat(apply.out()).contains("undid FLUSHALL", "restored   6 key(s)");
            assertThat(Datasets.digest(s.redis())).as("before the accident, with every key written since as it is now")
                    .isEqualTo(Datasets.digest(expected));
            assertThat(j.get("user:1")).isEqualTo("renamed");
            assertThat(j.exists("user:2")).isFalse();
            assertThat(j.lrange("queue", 0, -1)).containsExactly("new-1");
        }
    }

    @Test
    void restoreBeforeAFlushallIntoAnEmptyServer() throws Exception {
        try (StreamedSource s = StreamedSource.start(tmp, "src");
             LocalRedisServer target = Datasets.server().start()) {
            Jedis j = s.jedis();
            BEFORE.accept(j);
            String digest = Datasets.digest(s.redis());
            s.awaitShipped();
            j.flushAll();
            SINCE.accept(j);
            s.awaitShipped();
            Run run = redback("restore", "--name", "src", "--before", "FLUSHALL", "--into",
                    "redis://127.0.0.1:" + target.port(), "--repo", s.repoUrl(), "--json", "-q");
            assertThat(run.exit()).as(run.err() + run.out()).isZero();
            assertThat(run.json().get("restored").asLong()).isEqualTo(9);
            assertThat(Datasets.digest(target)).as("the state just before the FLUSHALL").isEqualTo(digest);
        }
    }
}
