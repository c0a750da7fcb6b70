package io.redback.cluster;

import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import io.redback.redis.RedisUri;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a cluster's topology from any one of its nodes: {@code CLUSTER SHARDS} (Redis 7.0+) for
 * the shards, their nodes and slots, and {@code CLUSTER NODES} (every version) for each primary's
 * config epoch and the slots being migrated or imported; a server without {@code CLUSTER SHARDS}
 * (6.x) is read from {@code CLUSTER NODES} alone. The connection is the one every command uses
 * ({@link RedisConnector}: TLS, ACL user and password of the URI).
 */
public final class ClusterDiscovery {
    /** More nodes than any real cluster has: a reply beyond it is refused rather than held. */
    static final int MAX_NODES = 2000;
    private static final int MAX_LINE = 64 * 1024;

    private ClusterDiscovery() {
    }

    /**
     * Whether the server at uri runs in cluster mode ({@code INFO cluster} says
     * {@code cluster_enabled:1}); false when it does not say (older servers, INFO not allowed).
     */
    public static boolean enabled(RedisUri uri) throws IOException {
        try (RedisConnection c = RedisConnector.of(uri).connect(Duration.ofSeconds(5))) {
            return enabled(c);
        }
    }

    /** {@link #enabled(RedisUri)} on a connection already logged in. */
    public static boolean enabled(RedisConnection c) throws IOException {
        try {
            return "1".equals(c.info("cluster").get("cluster_enabled"));
        } catch (RedisErrorReply e) {
            return false;
        }
    }

    /** The topology as the node at uri knows it. */
    public static ClusterTopology discover(RedisUri uri) throws IOException {
        try (RedisConnection c = RedisConnector.of(uri).connect()) {
            String nodes;
            try {
                nodes = c.callString("CLUSTER", "NODES");
            } catch (RedisErrorReply e) {
                throw new ClusterException(uri.address() + " answered CLUSTER NODES with '" + e.getMessage()
                        + "': is it a cluster node (cluster-enabled yes), and may this user run CLUSTER?");
            }
            Object shards;
            try {
                shards = c.call("CLUSTER", "SHARDS");
            } catch (RedisErrorReply e) {
                return fromNodes(nodes); // 6.x: no CLUSTER SHARDS
            }
            return fromShards(shards, nodes);
        }
    }

    /**
     * A topology from a {@code CLUSTER SHARDS} reply (RESP2: each shard a flat list of names and
     * values), with config epochs and migrations from the {@code CLUSTER NODES} text.
     */
    static ClusterTopology fromShards(Object reply, String nodesText) {
        List<NodeLine> lines = parseNodes(nodesText);
        Map<String, NodeLine> byId = new LinkedHashMap<>();
        lines.forEach(l -> byId.put(l.id, l));
        List<ClusterTopology.Shard> shards = new ArrayList<>();
        for (Object s : list(reply, "CLUSTER SHARDS reply")) {
            Map<String, Object> shard = fields(s, "a shard of CLUSTER SHARDS");
            List<Object> slotBounds = list(shard.get("slots"), "a shard's slots");
            List<ClusterTopology.SlotRange> slots = new ArrayList<>();
            for (int i = 0; i + 1 < slotBounds.size(); i += 2) {
                slots.add(new ClusterTopology.SlotRange((int) number(slotBounds.get(i)), (int) number(slotBounds.get(i + 1))));
            }
            ClusterTopology.Node primary = null;
            List<ClusterTopology.Node> replicas = new ArrayList<>();
            for (Object n : list(shard.get("nodes"), "a shard's nodes")) {
                Map<String, Object> node = fields(n, "a node of CLUSTER SHARDS");
                String id = text(node.get("id"));
                String ip = text(node.get("ip"));
                String endpoint = text(node.get("endpoint"));
                String host = endpoint != null && !endpoint.isEmpty() && !"?".equals(endpoint) ? endpoint : ip;
                Object port = node.containsKey("port") ? node.get("port") : node.get("tls-port");
                if (id == null || host == null || port == null) {
                    throw new ClusterException("a node of CLUSTER SHARDS has no id, address or port: " + node.keySet());
                }
                boolean isPrimary = "master".equals(text(node.get("role")));
                String health = text(node.get("health"));
                ClusterTopology.Node parsed = new ClusterTopology.Node(id, host, (int) number(port), isPrimary);
                if (isPrimary) {
                    primary = parsed;
                } else if (!"fail".equals(health)) {
                    // "loading" is how another shard's node sees a replica whose offset it has not heard yet
                    replicas.add(parsed);
                }
            }
            if (primary == null || slots.isEmpty()) {
                continue; // a shard without a primary or slots has nothing to back up
            }
            NodeLine line = byId.get(primary.id());
            shards.add(new ClusterTopology.Shard(primary, replicas, slots, line == null ? 0 : line.configEpoch));
        }
        return topology(shards, lines);
    }

    /** A topology from the {@code CLUSTER NODES} text alone (Redis 6.x). */
    static ClusterTopology fromNodes(String nodesText) {
        List<NodeLine> lines = parseNodes(nodesText);
        List<ClusterTopology.Shard> shards = new ArrayList<>();
        for (NodeLine primary : lines) {
            if (!primary.primary || primary.slots.isEmpty() || primary.failed) {
                continue;
            }
            List<ClusterTopology.Node> replicas = lines.stream()
                    .filter(l -> !l.primary && !l.failed && primary.id.equals(l.primaryId))
                    .map(NodeLine::node).toList();
            shards.add(new ClusterTopology.Shard(primary.node(), replicas, primary.slots, primary.configEpoch));
        }
        return topology(shards, lines);
    }

    private static ClusterTopology topology(List<ClusterTopology.Shard> shards, List<NodeLine> lines) {
        shards.sort(Comparator.comparingInt(ClusterTopology.Shard::firstSlot));
        List<ClusterTopology.Migration> migrations = new ArrayList<>();
        lines.forEach(l -> migrations.addAll(l.migrations));
        return new ClusterTopology(shards, migrations);
    }

    /** One line of CLUSTER NODES. */
    private record NodeLine(String id, String host, int port, boolean primary, boolean failed, String primaryId,
                            long configEpoch, List<ClusterTopology.SlotRange> slots,
                            List<ClusterTopology.Migration> migrations) {
        ClusterTopology.Node node() {
            return new ClusterTopology.Node(id, host, port, primary);
        }
    }

    /**
     * Parses {@code <id> <ip:port@cport[,hostname]> <flags> <primary> <ping> <pong> <epoch>
     * <link> <slot>...}, where a slot is {@code N}, {@code N-M}, {@code [N->-peer]} (migrating)
     * or {@code [N-<-peer]} (importing).
     */
    static List<NodeLine> parseNodes(String text) {
        if (text == null) {
            throw new ClusterException("CLUSTER NODES answered nothing");
        }
        List<NodeLine> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (line.length() > MAX_LINE || out.size() >= MAX_NODES) {
                throw new ClusterException("CLUSTER NODES line " + lineNo + ": more than " + MAX_NODES
                        + " nodes or a line over " + MAX_LINE + " characters; not a reply this reader accepts");
            }
            String[] f = line.split(" +");
            if (f.length < 8) {
                throw new ClusterException("CLUSTER NODES line " + lineNo + " has " + f.length
                        + " fields, expected at least 8: " + shorten(line));
            }
            try {
                String addr = f[1];
                int at = addr.indexOf('@');
                String hostPort = at >= 0 ? addr.substring(0, at) : addr.split(",")[0];
                int colon = hostPort.lastIndexOf(':');
                String host = hostPort.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port = Integer.parseInt(hostPort.substring(colon + 1));
                List<String> flags = List.of(f[2].split(","));
                boolean primary = flags.contains("master");
                boolean failed = flags.contains("fail") || flags.contains("noaddr") || flags.contains("handshake")
                        || host.isEmpty();
                String primaryId = "-".equals(f[3]) ? null : f[3];
                long epoch = Long.parseLong(f[6]);
                List<ClusterTopology.SlotRange> slots = new ArrayList<>();
                List<ClusterTopology.Migration> migrations = new ArrayList<>();
                for (int i = 8; i < f.length; i++) {
                    String s = f[i];
                    if (s.startsWith("[")) {
                        boolean migrating = s.contains("->-");
                        String[] parts = s.substring(1, s.length() - 1).split(migrating ? "->-" : "-<-");
                        migrations.add(new ClusterTopology.Migration(Integer.parseInt(parts[0]), f[0], parts[1], migrating));
                    } else {
                        slots.add(ClusterTopology.SlotRange.parse(s));
                    }
                }
                slots.sort(Comparator.comparingInt(ClusterTopology.SlotRange::first));
                out.add(new NodeLine(f[0], host, port, primary, failed, primaryId, epoch, slots, migrations));
            } catch (RuntimeException e) { // a bad slot range too: the message names the line
                throw new ClusterException("CLUSTER NODES line " + lineNo + " could not be read (" + e.getMessage()
                        + "): " + shorten(line));
            }
        }
        return out;
    }

    private static String shorten(String line) {
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o, String what) {
        if (o instanceof List<?> l) {
            if (l.size() > MAX_NODES * 16) {
                throw new ClusterException(what + " has " + l.size() + " items; not a reply this reader accepts");
            }
            return (List<Object>) l;
        }
        throw new ClusterException(what + " is not an array: " + (o == null ? "nil" : o.getClass().getSimpleName()));
    }

    /** A RESP2 map (a flat list of name, value) or a RESP3 map, as a map of names. */
    private static Map<String, Object> fields(Object o, String what) {
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            m.forEach((k, v) -> out.put(text(k), v));
            return out;
        }
        List<Object> l = list(o, what);
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i + 1 < l.size(); i += 2) {
            out.put(text(l.get(i)), l.get(i + 1));
        }
        return out;
    }

    private static String text(Object o) {
        if (o instanceof byte[] b) {
            return new String(b, StandardCharsets.UTF_8);
        }
        return o == null ? null : o.toString();
    }

    private static long number(Object o) {
        if (o instanceof Long l) {
            return l;
        }
        try {
            return Long.parseLong(text(o));
        } catch (NumberFormatException | NullPointerException e) {
            throw new ClusterException("expected a number in CLUSTER SHARDS, got " + text(o));
        }
    }
}
