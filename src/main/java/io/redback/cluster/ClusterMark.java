package io.redback.cluster;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import io.redback.redis.RedisUri;
import io.redback.repo.Repository;
import io.redback.repo.StreamStatus;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A named, consistent cut of a cluster ({@code clusters/<cluster>/marks/<name>.json}): writes are
 * paused on every primary ({@code CLIENT PAUSE WRITE}), each shard's replication id and offset are
 * read while nothing can change, and the primaries are unpaused at once. Restoring every shard's
 * source to its offset gives the cluster as it was at that instant, without the skew that cutting
 * each shard at a time has. Each shard's timeline is taken from its stream's status when that
 * stream follows the same replication id; the log reaches the offset once that stream has shipped it.
 */
@JsonPropertyOrder({"formatVersion", "name", "cluster", "createdAt", "pausedMs", "shards"})
public record ClusterMark(int formatVersion, String name, String cluster, String createdAt, long pausedMs,
                          List<Shard> shards) {
    public static final int FORMAT_VERSION = 1;
    private static final int MAX_DOCUMENT = 1 << 20;
    private static final ObjectMapper READER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public ClusterMark {
        shards = shards == null ? List.of() : List.copyOf(shards);
    }

    /**
     * One shard at the mark: its index and source (from the shard map), slots, primary, the
     * replication id and offset read during the pause, and the timeline of the shard's source
     * that holds that history (null when no stream of it followed that replication id then).
     */
    @JsonPropertyOrder({"index", "source", "slots", "primaryId", "primaryAddress", "replicationId", "offset",
            "timeline"})
    public record Shard(int index, String source, List<String> slots, String primaryId, String primaryAddress,
                        String replicationId, long offset, String timeline) {
        public Shard {
            slots = slots == null ? List.of() : List.copyOf(slots);
        }
    }

    /**
     * Pauses writes on every primary of the cluster at seed for at most pauseFor, reads each
     * shard's offset, unpauses, and stores the mark under name.
     *
     * @throws ClusterException when the name is taken, slots are migrating, or a primary refuses the pause
     */
    public static ClusterMark take(Repository repository, String cluster, RedisUri seed, String name,
                                   Duration pauseFor, Clock clock) throws IOException {
        String key = repository.clusterMarkKey(cluster, Repository.checkSourceName(name));
        if (find(repository, cluster, name).isPresent()) {
            throw new ClusterException("cluster " + cluster + " already has a mark named " + name + "; marks are "
                    + "never replaced: choose another name");
        }
        ClusterTopology topology = ClusterDiscovery.discover(seed);
        if (topology.shards().isEmpty()) {
            throw new ClusterException("the cluster at " + seed.address() + " has no shard serving slots");
        }
        if (!topology.migrations().isEmpty()) {
            throw new ClusterException("slots are migrating between shards: a key could be counted in two shards or "
                    + "none; mark again when the resharding has ended");
        }
        ShardMap.Update map = ShardMap.record(repository, cluster, topology, clock);
        List<ClusterTopology.Shard> shards = topology.shards();
        List<RedisConnection> connections = new ArrayList<>();
        List<Shard> parts = new ArrayList<>();
        long pausedAt;
        long pausedMs;
        Instant at;
        try {
            for (ClusterTopology.Shard s : shards) {
                connections.add(RedisConnector.of(seed.atNode(s.primary().host(), s.primary().port())).connect());
            }
            pausedAt = System.nanoTime();
            for (int i = 0; i < connections.size(); i++) {
                try {
                    connections.get(i).call("CLIENT", "PAUSE", Long.toString(Math.max(1, pauseFor.toMillis())), "WRITE");
                } catch (RedisErrorReply e) {
                    throw new ClusterException(shards.get(i).primary().address() + " refused CLIENT PAUSE WRITE ('"
                            + e.getMessage() + "'): a mark needs Redis 6.2 or later and a user allowed +client|pause");
                }
            }
            at = clock.instant();
            for (int i = 0; i < connections.size(); i++) {
                Map<String, String> info = connections.get(i).info("replication");
                ClusterTopology.Shard s = shards.get(i);
                int index = map.indexOf(i);
                String source = ClusterSnapshot.shardSource(cluster, index);
                String replid = info.get("master_replid");
                long offset = Long.parseLong(info.getOrDefault("master_repl_offset", "-1"));
                parts.add(new Shard(index, source, s.slots().stream().map(ClusterTopology.SlotRange::toString).toList(),
                        s.primary().id(), s.primary().address(), replid, offset, null));
            }
        } finally {
            for (RedisConnection c : connections) {
                try {
                    c.call("CLIENT", "UNPAUSE");
                } catch (IOException | RuntimeException e) {
                    // The pause ends by itself after pauseFor.
                }
                c.close();
            }
        }
        pausedMs = (System.nanoTime() - pausedAt) / 1_000_000;
        List<Shard> withTimelines = new ArrayList<>();
        for (Shard p : parts) {
            Optional<StreamStatus> status = repository.timelines().status(p.source());
            String timeline = status.filter(st -> p.replicationId() != null && p.replicationId().equals(st.replicationId())
                    && st.timeline() != null).map(st -> st.timeline().toString()).orElse(null);
            withTimelines.add(new Shard(p.index(), p.source(), p.slots(), p.primaryId(), p.primaryAddress(),
                    p.replicationId(), p.offset(), timeline));
        }
        withTimelines.sort((a, b) -> Integer.compare(a.index(), b.index()));
        ClusterMark mark = new ClusterMark(FORMAT_VERSION, name, cluster, at.toString(), pausedMs, withTimelines);
        byte[] json = ClusterBackup.JSON.writeValueAsBytes(mark);
        repository.storage().put(key, new ByteArrayInputStream(json), json.length);
        return mark;
    }

    /** The mark of cluster named name, if there is one. */
    public static Optional<ClusterMark> find(Repository repository, String cluster, String name) throws IOException {
        try (InputStream in = repository.storage().get(repository.clusterMarkKey(cluster, name))) {
            ClusterMark m = READER.readValue(in.readNBytes(MAX_DOCUMENT), ClusterMark.class);
            if (m.formatVersion() != FORMAT_VERSION) {
                throw new ClusterException("mark " + name + " of " + cluster + " has format version "
                        + m.formatVersion() + "; this release reads " + FORMAT_VERSION);
            }
            return Optional.of(m);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }
}
