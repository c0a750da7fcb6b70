package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.cli.Cli.Run;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.TestCluster;
import io.redback.testsupport.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real local cluster of three primaries backed up with {@code backup --cluster}: one snapshot per
 * shard and a cluster snapshot naming them; restored into one directory per shard, each of which a
 * redis-server loads with exactly the keys of its slots, together every key written. A cluster
 * whose slots are migrating is refused unless --allow-migrating.
 */
@io.redback.testsupport.Slow
class ClusterBackupTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void backupOfAClusterRestoresAsOneDirectoryPerShardWithExactlyItsSlots() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3)) {
            Map<String, String> written = new TreeMap<>();
            Map<String, Integer> slotOf = new HashMap<>();
            try (RedisConnection any = cluster.primaries().get(0).connect()) {
                for (int i = 0; i < 600; i++) {
                    String key = "{user" + i + "}:name";
                    int slot = (int) any.callLong("CLUSTER", "KEYSLOT", key);
                    try (RedisConnection owner = cluster.primaryFor(slot).connect()) {
                        owner.call("SET", key, "value-" + i);
                    }
                    written.put(key, "value-" + i);
                    slotOf.put(key, slot);
                }
            }

            Run detected = redback("backup", "--redis", cluster.uri(), "--repo", repo, "--name", "shop", "-q");
            assertThat(detected.exit()).as(detected.err()).isZero();
            assertThat(detected.err()).contains("cluster_enabled:1", "one snapshot per shard");
            assertThat(detected.out()).contains("cluster snapshot ", "3 shards", "shard 0  slots 0-5460");

            Run backup = redback("backup", "--cluster", "--redis", cluster.uri(), "--repo", repo, "--name", "shop", "--json");
            assertThat(backup.exit()).as(backup.err()).isZero();
            JsonNode manifest = backup.json();
            String id = manifest.get("id").asText();
            Path stored = Path.of(repo, "clusters", "shop", "snapshots", id + ".json");
            assertThat(stored).exists();
            assertThat(JSON.readTree(stored.toFile())).isEqualTo(manifest);
            assertThat(manifest.get("allowedMigrating").asBoolean()).isFalse();
            JsonNode shards = manifest.get("shards");
            assertThat(shards).hasSize(3);
            for (int i = 0; i < 3; i++) {
                JsonNode s = shards.get(i);
                LocalRedisServer primary = cluster.primaries().get(i);
                try (RedisConnection c = primary.connect()) {
                    assertThat(s.get("primaryId").asText()).isEqualTo(c.callString("CLUSTER", "MYID"));
                    assertThat(s.get("replicationId").asText()).isEqualTo(c.info("replication").get("master_replid"));
                }
                assertThat(s.get("nodeAddress").asText()).isEqualTo("127.0.0.1:" + primary.port());
                assertThat(s.get("source").asText()).isEqualTo("shop.shard-" + i);
                assertThat(s.get("replicationOffset").isNumber()).isTrue();
                assertThat(s.get("configEpoch").isNumber()).isTrue();
            }
            assertThat(shards.get(0).get("slots").get(0).asText()).isEqualTo("0-5460");
            assertThat(shards.get(2).get("slots").get(0).asText()).isEqualTo("10922-16383");

            Run list = redback("list", "--repo", repo);
            assertThat(list.exit()).as(list.err()).isZero();
            assertThat(list.out()).contains("cluster snapshot " + id + " of shop: 3 shards", "shop.shard-2/");
            Run show = redback("show", id, "--repo", repo);
            assertThat(show.exit()).as(show.err()).isZero();
            assertThat(show.out()).contains("shard 0", "slots 0-5460", "config epoch");

            Path out = tmp.resolve("restored");
            Run restore = redback("restore", "--snapshot", id, "--to-dir", out.toString(), "--repo", repo, "-q");
            assertThat(restore.exit()).as(restore.err()).isZero();
            assertThat(restore.out()).contains("3 shards", "shard-0/dump.rdb  slots 0-5460");
            JsonNode described = JSON.readTree(out.resolve("cluster.json").toFile());
            assertThat(described.get("shards")).hasSize(3);

            Map<String, String> union = new TreeMap<>();
            for (int i = 0; i < 3; i++) {
                JsonNode d = described.get("shards").get(i);
                assertThat(d.get("dir").asText()).isEqualTo("shard-" + i);
                String[] range = d.get("slots").get(0).asText().split("-");
                int first = Integer.parseInt(range[0]);
                int last = Integer.parseInt(range[1]);
                Map<String, String> expected = new TreeMap<>();
                written.forEach((k, v) -> {
                    if (slotOf.get(k) >= first && slotOf.get(k) <= last) {
                        expected.put(k, v);
                    }
                });
                Map<String, String> loaded = loadedKeys(out.resolve("shard-" + i).resolve("dump.rdb"));
                assertThat(loaded).as("shard " + i + " holds exactly the keys of its slots").isEqualTo(expected);
                union.putAll(loaded);
            }
            assertThat(union).isEqualTo(written);

            String shard1 = shards.get(1).get("snapshot").asText();
            Files.delete(Path.of(repo, "sources", "shop.shard-1", "snapshots", shard1, "manifest.json"));
            Run gone = redback("restore", "--snapshot", id, "--to-dir", tmp.resolve("again").toString(), "--repo", repo,
                    "-q");
            assertThat(gone.exit()).isEqualTo(2);
            assertThat(gone.err()).contains("shard 1's snapshot shop.shard-1/" + shard1, "prune");
        }
    }

    @Test
    void migratingSlotsAreRefusedUnlessAllowedAndThenRecorded() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3)) {
            try (RedisConnection from = cluster.primaries().get(0).connect();
                 RedisConnection to = cluster.primaries().get(1).connect()) {
                String toId = to.callString("CLUSTER", "MYID");
                from.call("CLUSTER", "SETSLOT", "100", "MIGRATING", toId);
            }
            Run refused = redback("backup", "--cluster", "--redis", cluster.uri(), "--repo", repo, "--name", "shop", "-q");
            assertThat(refused.exit()).isEqualTo(2);
            assertThat(refused.err()).contains("slots are migrating", "slot 100 migrating", "--allow-migrating");
            assertThat(Path.of(repo, "clusters")).doesNotExist();

            Run allowed = redback("backup", "--cluster", "--allow-migrating", "--redis", cluster.uri(), "--repo", repo,
                    "--name", "shop", "--json");
            assertThat(allowed.exit()).as(allowed.err()).isZero();
            assertThat(allowed.json().get("allowedMigrating").asBoolean()).isTrue();
            assertThat(allowed.json().get("migrating").get(0).asText()).contains("slot 100 migrating");
        }
    }

    @Test
    void preferReplicaTakesEachShardFromItsReplica() throws Exception {
        String repo = tmp.resolve("repo").toString();
        try (TestCluster cluster = TestCluster.start(3, true)) {
            Map<String, String> written = new TreeMap<>();
            try (RedisConnection any = cluster.primaries().get(0).connect()) {
                for (int i = 0; i < 90; i++) {
                    String key = "{k" + i + "}";
                    int slot = (int) any.callLong("CLUSTER", "KEYSLOT", key);
                    try (RedisConnection owner = cluster.primaryFor(slot).connect()) {
                        owner.call("SET", key, "v" + i);
                        owner.call("WAIT", "1", "5000");
                    }
                    written.put(key, "v" + i);
                }
            }
            Run backup = redback("backup", "--cluster", "--prefer-replica", "--redis", cluster.uri(), "--repo", repo,
                    "--name", "shop", "--json");
            assertThat(backup.exit()).as(backup.err()).isZero();
            JsonNode shards = backup.json().get("shards");
            assertThat(shards).hasSize(3);
            for (int i = 0; i < 3; i++) {
                JsonNode s = shards.get(i);
                assertThat(s.get("replica").asBoolean()).isTrue();
                assertThat(s.get("nodeAddress").asText()).isEqualTo("127.0.0.1:" + cluster.replicas().get(i).port());
                assertThat(s.get("nodeId").asText()).isNotEqualTo(s.get("primaryId").asText());
            }
            Path out = tmp.resolve("restored");
            Run restore = redback("restore", "--snapshot", backup.json().get("id").asText(), "--to-dir", out.toString(),
                    "--repo", repo, "-q");
            assertThat(restore.exit()).as(restore.err()).isZero();
            Map<String, String> union = new TreeMap<>();
            for (int i = 0; i < 3; i++) {
                union.putAll(loadedKeys(out.resolve("shard-" + i).resolve("dump.rdb")));
            }
            assertThat(union).isEqualTo(written);
        }
    }

    @Test
    void clusterOptionsWithoutAClusterAreRefused() throws Exception {
        try (LocalRedisServer standalone = TestRedis.server().start()) {
            Run r = redback("backup", "--prefer-replica", "--redis", "redis://127.0.0.1:" + standalone.port(),
                    "--repo", tmp.resolve("repo").toString(), "-q");
            assertThat(r.exit()).isEqualTo(2);
            assertThat(r.err()).contains("--prefer-replica and --allow-migrating go with --cluster");
        }
    }

    /** The keys and string values a fresh standalone redis-server loads from rdb. */
    private static Map<String, String> loadedKeys(Path rdb) throws Exception {
        assertThat(Files.size(rdb)).isPositive();
        return ClusterStreamTest.loaded(rdb);
    }

}
