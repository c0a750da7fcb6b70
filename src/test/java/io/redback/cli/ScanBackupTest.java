package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.Datasets;
import io.redback.testsupport.TestCluster;
import io.redback.testsupport.TestRedis;
import io.redback.testsupport.TimelineBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * {@code backup --method scan} against a server that refuses replication and BGSAVE (renamed away,
 * as managed services do) and renames DUMP: the snapshot restores, into a directory and into an
 * empty server, to exactly the source (DEBUG DIGEST: every type, TTLs, several databases; the
 * functions); DUMP renamed without saying so is one clear line and nothing stored; a cluster is
 * scanned primary by primary and each shard's snapshot holds exactly that primary's keys.
 */
@io.redback.testsupport.Slow
class ScanBackupTest {
    @TempDir
    Path tmp;

    private static LocalRedisServer.Builder managed() {
        return Datasets.server().config("rename-command", "PSYNC", "").config("rename-command", "SYNC", "")
                .config("rename-command", "BGSAVE", "").config("rename-command", "DUMP", "XDUMP");
    }

    @Test
    void aScanOfAServerThatRefusesReplicationRestoresToTheSameData() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (LocalRedisServer source = managed().start();
             LocalRedisServer empty = Datasets.server().start()) {
            try (Jedis j = Datasets.jedis(source)) {
                Datasets.everyType(j, 3000);
            }
            String uri = "redis://127.0.0.1:" + source.port();

            Run refused = redback("backup", "--redis", uri, "--method", "scan", "--repo", repo, "--name", "cache", "-q");
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.err().strip().lines()).hasSize(1);
            assertThat(refused.err()).contains("refuses DUMP", "--command-name DUMP=NEWNAME");
            assertThat(Path.of(repo, "sources", "cache", "snapshots")).satisfiesAnyOf(
                    p -> assertThat(p).doesNotExist(), p -> assertThat(p).isEmptyDirectory());

            Run sync = redback("backup", "--redis", uri, "--repo", repo, "--name", "cache", "-q");
            assertThat(sync.exit()).as("a full sync is refused here").isEqualTo(2);
            assertThat(sync.err()).contains("PSYNC", "--method scan reads the keys instead");

            Run backup = redback("backup", "--redis", uri, "--method", "scan", "--command-name", "DUMP=XDUMP",
                    "--repo", repo, "--name", "cache", "--json");
            assertThat(backup.exit()).as(backup.err()).isZero();
            JsonNode m = backup.json();
            String id = m.get("id").asText();
            assertThat(m.get("method").asText()).isEqualTo("scan");
            assertThat(m.get("replicationId").isNull()).isTrue();
            assertThat(m.get("replicationOffset").isNull()).isTrue();
            assertThat(m.get("scan").get("startedAt").asText()).isNotBlank();
            assertThat(m.get("scan").get("finishedAt").asText()).isNotBlank();
            assertThat(m.get("scan").get("vanishedKeys").asLong()).isZero();
            assertThat(m.get("keys").fieldNames()).toIterable().containsExactly("0", "1", "7");
            Path manifest = Path.of(repo, "sources", "cache", "snapshots", id, "manifest.json");
            assertThat(Files.readString(manifest)).contains("\"method\" : \"scan\"", "\"scan\" : {");

            Path dir = tmp.resolve("restored");
            Run toDir = redback("restore", "--name", "cache", "--snapshot", id, "--to-dir", dir.toString(), "--repo", repo,
                    "-q");
            assertThat(toDir.exit()).as(toDir.err()).isZero();
            try (LocalRedisServer loaded = Datasets.server().rdb(dir.resolve("dump.rdb")).start()) {
                assertThat(Datasets.digest(loaded)).isEqualTo(Datasets.digest(source));
                assertThat(Datasets.keyspace(loaded)).isEqualTo(Datasets.keyspace(source));
                assertThat(Datasets.functions(loaded)).isEqualTo(Datasets.functions(source)).isNotEmpty();
            }

            Run into = redback("restore", "--name", "cache", "--snapshot", id, "--into",
                    "redis://127.0.0.1:" + empty.port(), "--repo", repo, "-q");
            assertThat(into.exit()).as(into.err()).isZero();
            assertThat(Datasets.digest(empty)).isEqualTo(Datasets.digest(source));
            assertThat(Datasets.functions(empty)).isEqualTo(Datasets.functions(source));

            // A snapshot at no replication offset is listed, shown and counted like any other.
            Run list = redback("list", "--repo", repo, "--json");
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("\"scan\"");
            Run show = redback("show", id, "--repo", repo);
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out()).contains("method", "scan", "not one point in time");
            Run status = redback("status", "--repo", repo, "--name", "cache");
            assertThat(status.exit()).as(status.err()).isIn(0, 1);
            assertThat(status.err()).doesNotContain("Exception");
            Run check = redback("check", "--repo", repo, "--read-data", "-q");
            assertThat(check.exit()).as(check.out() + check.err()).isZero();
            Run drill = redback("drill", "--repo", repo, "--name", "cache", "--snapshot", id, "-q");
            assertThat(drill.exit()).as(drill.out() + drill.err()).isZero();
            Run prune = redback("prune", "--repo", repo, "--name", "cache", "--keep-last", "1");
            assertThat(prune.exit()).as(prune.err()).isZero();
        }
    }

    @Test
    void aClusterIsScannedPrimaryByPrimary() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3)) {
            String code = "#!lua name=scanlib\nredis.register_function('one', function(keys, args) return 1 end)\n";
            for (LocalRedisServer p : cluster.primaries()) {
                try (RedisConnection c = p.connect()) {
                    c.call("FUNCTION", "LOAD", code);
                }
            }
            try (RedisConnection any = cluster.primaries().get(0).connect()) {
                for (int i = 0; i < 400; i++) {
                    String key = "{k" + i + "}";
                    int slot = (int) any.callLong("CLUSTER", "KEYSLOT", key);
                    try (RedisConnection owner = cluster.primaryFor(slot).connect()) {
                        switch (i % 4) {
                            case 0 -> owner.call("SET", key, "v" + i);
                            case 1 -> owner.call("HSET", key, "f", "v" + i, "g", "w");
                            case 2 -> owner.call("RPUSH", key, "a", "b", "c" + i);
                            default -> owner.call("ZADD", key, "1.5", "m" + i);
                        }
                        if (i % 5 == 0) {
                            owner.call("PEXPIREAT", key, Long.toString(Datasets.FAR_FUTURE_MS));
                        }
                    }
                }
            }
            Run backup = redback("backup", "--cluster", "--method", "scan", "--redis", cluster.uri(), "--repo", repo,
                    "--name", "shop", "--json");
            assertThat(backup.exit()).as(backup.err()).isZero();
            JsonNode shards = backup.json().get("shards");
            assertThat(backup.json().get("method").asText()).isEqualTo("scan");
            assertThat(shards).hasSize(3);
            String id = backup.json().get("id").asText();

            Path out = tmp.resolve("restored");
            Run restore = redback("restore", "--snapshot", id, "--to-dir", out.toString(), "--repo", repo, "-q");
            assertThat(restore.exit()).as(restore.err()).isZero();
            for (int i = 0; i < 3; i++) {
                assertThat(shards.get(i).get("replicationId").isNull()).isTrue();
                try (LocalRedisServer loaded = TestRedis.server().rdb(out.resolve("shard-" + i).resolve("dump.rdb"))
                        .start()) {
                    assertThat(served(loaded)).as("shard " + i).isEqualTo(served(cluster.primaries().get(i)));
                    assertThat(Datasets.functions(loaded)).containsExactly(code);
                }
            }

            Run list = redback("list", "--repo", repo, "--json");
            assertThat(list.exit()).as(list.err()).isZero();
            List<JsonNode> clusters = new java.util.ArrayList<>();
            list.json().forEach(e -> {
                if (e.get("kind").asText().equals("cluster")) {
                    clusters.add(e);
                }
            });
            assertThat(list.json()).hasSize(4);
            assertThat(clusters).hasSize(1);
            assertThat(clusters.get(0).get("id").asText()).isEqualTo(id);
            assertThat(clusters.get(0).get("keysTotal").asLong()).isEqualTo(400);
            Run show = redback("show", id.substring(0, id.length() - 2), "--repo", repo, "--json");
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.json().get("method").asText()).isEqualTo("scan");
        }
    }

    @Test
    void aScanSnapshotIsNeverWhereAPointInTimeRestoreStarts() throws Exception {
        Instant t0 = Instant.parse("2026-12-01T00:00:00Z");
        String repo = tmp.resolve("repo").toString();
        try (TimelineBuilder t = TimelineBuilder.start(tmp.resolve("repo"), "cache-1", t0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(t0.plusSeconds(1)).command("SET", "a", "1");
            t.segment();
            Run scan = redback("backup", "--redis", "redis://127.0.0.1:" + t.server().port(), "--method", "scan",
                    "--repo", repo, "--name", "cache-1", "-q");
            assertThat(scan.exit()).as(scan.err()).isZero();

            String at = Long.toString(t0.plusSeconds(1).getEpochSecond());
            Run restore = redback("restore", "--repo", repo, "--name", "cache-1", "--to-dir",
                    tmp.resolve("at").toString(), "--at", at, "-q");
            assertThat(restore.exit()).as(restore.out() + restore.err()).isZero();
            assertThat(restore.out()).contains("snapshot   " + t.base().id());
            Run status = redback("status", "--repo", repo, "--name", "cache-1", "--json");
            assertThat(status.exit()).as(status.err()).isZero();

            // keep-last 1 keeps the scan; the timeline keeps its base, which restores still start from.
            Run prune = redback("prune", "--repo", repo, "--name", "cache-1", "--keep-last", "1");
            assertThat(prune.exit()).as(prune.err()).isZero();
            assertThat(prune.out()).contains("keep   cache-1/" + t.base().id());
            Run again = redback("restore", "--repo", repo, "--name", "cache-1", "--to-dir",
                    tmp.resolve("again").toString(), "--at", at, "-q");
            assertThat(again.exit()).as(again.out() + again.err()).isZero();
        }
    }

    /** Every key of a server with its DUMP payload and whether it expires. */
    private static Map<String, String> served(LocalRedisServer server) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (RedisConnection c = server.connect()) {
            List<?> keys = (List<?>) c.call("KEYS", "*");
            for (Object k : keys) {
                byte[] name = (byte[]) k;
                byte[] dump = (byte[]) c.call("DUMP", name);
                long ttl = c.callLong("PEXPIRETIME", name);
                out.put(new String(name, StandardCharsets.UTF_8), Arrays.toString(dump) + "@" + ttl);
            }
        }
        return out;
    }
}
