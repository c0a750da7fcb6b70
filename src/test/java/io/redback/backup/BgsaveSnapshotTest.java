package io.redback.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisAccessException;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisUri;
import io.redback.redis.ServerIdentity;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --method bgsave against real servers: the save it waits for, and what it says when it cannot. */
@io.redback.testsupport.Slow
class BgsaveSnapshotTest {
    @TempDir
    Path dir;

    @Test
    void itWaitsForItsOwnSaveAndOpensTheFileTheServerNames() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            Instant before = Instant.now();
            // No --rdb-file: the server says where (CONFIG GET dir, dbfilename).
            try (BgsaveSnapshot saved = BgsaveSnapshot.take(uri(redis), null)) {
                assertThat(saved.file()).isEqualTo(redis.rdbFile());
                assertThat(saved.size()).isEqualTo(Files.size(redis.rdbFile()));
                assertThat(saved.rdb().readAllBytes()).isEqualTo(Files.readAllBytes(redis.rdbFile()));
                assertThat(saved.server()).isEqualTo(new ServerIdentity("redis", redis.version()));
                assertThat(saved.startedAt()).isAfterOrEqualTo(before);
            }
            assertThat(c.info("persistence").get("rdb_saves")).isEqualTo("1");
            // A second one right away (same second of rdb_last_save_time) is a save of its own.
            try (BgsaveSnapshot again = BgsaveSnapshot.take(uri(redis), redis.rdbFile())) {
                assertThat(again.size()).isPositive();
            }
            assertThat(c.info("persistence").get("rdb_saves")).isEqualTo("2");
        }
    }

    @Test
    void whileAnAofRewriteRunsTheSaveIsScheduledAfterIt() throws Exception {
        try (LocalRedisServer redis = Datasets.server().config("rdb-key-save-delay", "400").start();
             RedisConnection c = redis.connect()) {
            c.call("DEBUG", "POPULATE", "1500", "k", "10"); // 1500 keys x 0.4 ms: a rewrite of ~0.6 s
            c.call("CONFIG", "SET", "appendonly", "yes"); // starts an AOF rewrite in a fork
            assertThat(c.info("persistence").get("aof_rewrite_in_progress")).isEqualTo("1");
            try (BgsaveSnapshot saved = BgsaveSnapshot.take(uri(redis), redis.rdbFile())) {
                assertThat(c.info("persistence")).containsEntry("aof_rewrite_in_progress", "0")
                        .containsEntry("rdb_bgsave_in_progress", "0").containsEntry("rdb_saves", "1");
                assertThat(saved.size()).isPositive();
            }
            String log = Files.readString(redis.logFile());
            assertThat(log.indexOf("Background saving started"))
                    .as("the save ran after the rewrite:\n" + log)
                    .isGreaterThan(log.indexOf("Background AOF rewrite finished successfully")).isPositive();
        }
    }

    @Test
    void aFailedBgsaveSendsTheUserToTheServerLog() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().config("enable-protected-configs", "yes").start();
             RedisConnection c = redis.connect()) {
            Path gone = Files.createDirectory(dir.resolve("gone"));
            c.call("CONFIG", "SET", "dir", gone.toString());
            Files.delete(gone); // the fork cannot create its temp file there
            assertThatThrownBy(() -> BgsaveSnapshot.take(uri(redis), gone.resolve("dump.rdb")))
                    .isInstanceOf(IOException.class)
                    .hasMessage("BGSAVE failed on the server (rdb_last_bgsave_status:err) at " + uri(redis)
                            + ": check the server log (disk full? fork failed?)");
            c.call("CONFIG", "SET", "dir", redis.dir().toString());
        }
    }

    @Test
    void theFileMustBeTheServersAndVisibleHere() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start()) {
            Path other = Files.writeString(dir.resolve("other.rdb"), "not it");
            assertThatThrownBy(() -> BgsaveSnapshot.take(uri(redis), other))
                    .hasMessage("--rdb-file " + other + " is not the file the server saves to (" + redis.rdbFile()
                            + ", from CONFIG GET dir and dbfilename); give --rdb-file " + redis.rdbFile());
            Path elsewhere = dir.resolve("mnt/redis/dump.rdb");
            assertThatThrownBy(() -> BgsaveSnapshot.take(uri(redis), elsewhere))
                    .hasMessageContaining(elsewhere + " does not exist here: the RDB is written on the Redis host (at "
                            + redis.rdbFile() + "), so redback must run there");
        }
    }

    @Test
    void aUserWithoutBgsaveIsToldWhatToGrant() throws Exception {
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("ACL", "SETUSER", "backup", "on", ">pw", "+@all", "-bgsave", "~*");
            RedisUri uri = RedisUri.parse("redis://backup:pw@127.0.0.1:" + redis.port());
            assertThatThrownBy(() -> BgsaveSnapshot.take(uri, redis.rdbFile(), Duration.ofSeconds(10)))
                    .isInstanceOf(RedisAccessException.class)
                    .hasMessageContaining("user 'backup' may not run BGSAVE at redis://backup:***@")
                    .hasMessageContaining("grant +bgsave +info");
        }
    }

    private static RedisUri uri(LocalRedisServer redis) {
        return RedisUri.parse("redis://127.0.0.1:" + redis.port());
    }
}
