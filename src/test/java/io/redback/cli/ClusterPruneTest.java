package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.bytes.Sha256;
import io.redback.cli.Cli.Run;
import io.redback.cluster.ClusterSnapshot;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.storage.file.FileStorage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prune and cluster snapshots: a cluster snapshot the policy forgets goes (its manifest first),
 * and a kept one keeps every shard snapshot it names even where the shard source's own policy
 * would forget it, so that no cluster snapshot is ever left naming a snapshot that is gone.
 */
@io.redback.testsupport.Fast
class ClusterPruneTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void aKeptClusterSnapshotKeepsItsShardsAndAForgottenOneGoesFirst() throws Exception {
        Path root = tmp.resolve("repo");
        Repository repo = repository(root);
        SnapshotId older = id("20261201T010000.000Z-aaaaaa");
        SnapshotId newer = id("20261201T020000.000Z-bbbbbb");
        SnapshotId alone = id("20261201T030000.000Z-cccccc");
        for (String shard : List.of("shop.shard-0", "shop.shard-1")) {
            commit(repo, shard, shift(older, shard));
            commit(repo, shard, shift(newer, shard));
        }
        commit(repo, "shop.shard-0", alone); // a later snapshot of one shard only (no cluster snapshot names it)
        String olderCluster = cluster(repo, older);
        String newerCluster = cluster(repo, newer);

        Run dry = redback("prune", "--keep-last", "1", "--repo", root.toString(), "--dry-run", "--json");
        assertThat(dry.exit()).as(dry.err()).isZero();
        assertThat(clusterFile(root, olderCluster)).exists();
        JsonNode decisions = dry.json().get("clusterSnapshots");
        assertThat(decisions).hasSize(2);

        Run prune = redback("prune", "--keep-last", "1", "--repo", root.toString());
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(prune.out()).contains("forget cluster snapshot shop/" + olderCluster,
                "keep   cluster snapshot shop/" + newerCluster,
                "keep   shop.shard-0/" + shift(newer, "shop.shard-0") + "  (cluster snapshot " + newerCluster + ")");
        assertThat(clusterFile(root, olderCluster)).doesNotExist();
        assertThat(clusterFile(root, newerCluster)).exists();
        for (String shard : List.of("shop.shard-0", "shop.shard-1")) {
            assertThat(manifest(root, shard, shift(newer, shard))).as("named by the kept cluster snapshot").exists();
            assertThat(manifest(root, shard, shift(older, shard))).doesNotExist();
        }
        assertThat(manifest(root, "shop.shard-0", alone)).as("kept by its source's own policy").exists();

        Run list = redback("list", "--repo", root.toString(), "--json");
        assertThat(list.exit()).as(list.err()).isZero();
        List<String> kinds = new ArrayList<>();
        list.json().forEach(e -> kinds.add(e.get("kind").asText() + " " + e.get("id").asText()));
        assertThat(kinds).containsExactly("snapshot " + alone, "snapshot " + shift(newer, "shop.shard-1"),
                "snapshot " + shift(newer, "shop.shard-0"), "cluster " + newerCluster);
    }

    @Test
    void nameOfAClusterPrunesItsShardSourcesAndNothingElse() throws Exception {
        Path root = tmp.resolve("repo");
        Repository repo = repository(root);
        SnapshotId older = id("20261201T010000.000Z-aaaaaa");
        SnapshotId newer = id("20261201T020000.000Z-bbbbbb");
        for (String source : List.of("shop.shard-0", "shop.shard-1", "other")) {
            commit(repo, source, shift(older, source));
            commit(repo, source, shift(newer, source));
        }
        String olderCluster = cluster(repo, older);
        cluster(repo, newer);

        Run prune = redback("prune", "--keep-last", "1", "--name", "shop", "--repo", root.toString());
        assertThat(prune.exit()).as(prune.err()).isZero();
        assertThat(clusterFile(root, olderCluster)).doesNotExist();
        for (String shard : List.of("shop.shard-0", "shop.shard-1")) {
            assertThat(manifest(root, shard, shift(older, shard))).as(shard + "'s older snapshot").doesNotExist();
            assertThat(manifest(root, shard, shift(newer, shard))).exists();
        }
        assertThat(manifest(root, "other", older)).as("another source is not pruned").exists();
    }

    private static Repository repository(Path root) throws Exception {
        Files.createDirectories(root);
        return Repository.init(new FileStorage(root), Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
    }

    private static SnapshotId id(String text) {
        return SnapshotId.parse(text);
    }

    /** Shard 1's snapshot a millisecond after shard 0's, as parallel backups take them. */
    private static SnapshotId shift(SnapshotId id, String shard) {
        return shard.endsWith("-1") ? new SnapshotId(id.time().plusMillis(1), id.suffix()) : id;
    }

    private static Path clusterFile(Path root, String id) {
        return root.resolve("clusters/shop/snapshots/" + id + ".json");
    }

    private static Path manifest(Path root, String source, SnapshotId id) {
        return root.resolve("sources/" + source + "/snapshots/" + id + "/manifest.json");
    }

    private static void commit(Repository repo, String source, SnapshotId id) throws Exception {
        byte[] data = ("rdb of " + source + " " + id).getBytes(StandardCharsets.UTF_8);
        String key = repo.dataKey(source, id, Compression.NONE);
        repo.storage().put(key, new ByteArrayInputStream(data), data.length);
        String sha = Sha256.of(data);
        repo.commit(new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, id, source, "127.0.0.1:7000", "7.0.15", 10,
                "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", 100L, SnapshotManifest.Method.SYNC, id.time(),
                id.time().plusSeconds(1), data.length, data.length, Compression.NONE, sha, sha,
                Map.of(0, Map.of("string", 1L)), 0, SnapshotManifest.VALID, key));
    }

    /** A cluster snapshot of both shards' snapshots at id's time (its id a second before them). */
    private static String cluster(Repository repo, SnapshotId at) throws Exception {
        SnapshotId id = new SnapshotId(at.time().minusSeconds(1), "dddddd");
        List<ClusterSnapshot.ShardSnapshot> shards = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            String source = "shop.shard-" + i;
            shards.add(new ClusterSnapshot.ShardSnapshot(i, List.of(i == 0 ? "0-8191" : "8192-16383"), "node" + i, 1,
                    "node" + i, "127.0.0.1:700" + i, false, source, shift(at, source).toString(),
                    "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", 100L, 1, at.toString(), at.toString()));
        }
        byte[] json = JSON.writeValueAsBytes(new ClusterSnapshot(ClusterSnapshot.FORMAT_VERSION, id.toString(), "shop",
                at.time().toString(), at.time().toString(), false, List.of(), shards));
        repo.storage().put(repo.clusterSnapshotKey("shop", id), new ByteArrayInputStream(json), json.length);
        return id.toString();
    }
}
