package io.redback.testsupport;

import io.redback.cluster.ClusterDiscovery;
import io.redback.cluster.ClusterTopology;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisErrorReply;
import io.redback.redis.RedisUri;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small cluster client for tests that write while the cluster changes: it routes a key by its
 * slot, follows MOVED (the slot's owner changed) and ASK (once, to the importing node, with
 * ASKING), reads the topology again from any live node when a node is gone, and says whether a
 * write was acknowledged: {@code WAIT n} on the node that took it answered at least n. It keeps
 * what each key was last set to and which of those writes were acknowledged.
 */
public final class ClusterClient implements AutoCloseable {
    private final List<String> seeds = new ArrayList<>();
    private final Map<String, RedisConnection> connections = new HashMap<>();
    private final String[] owner = new String[ClusterTopology.SLOTS];
    /** Per key, the values written since (and including) its last acknowledged one; the first is the acknowledged. */
    private final Map<String, List<String>> written = new LinkedHashMap<>();
    private final Map<String, Boolean> everAcked = new HashMap<>();

    public ClusterClient(List<String> addresses) throws IOException {
        seeds.addAll(addresses);
        refresh();
    }

    /** The slot of key, as Redis computes it (CRC16 of the hash tag, or of the key). */
    public static int slot(String key) {
        int open = key.indexOf('{');
        if (open >= 0) {
            int close = key.indexOf('}', open + 1);
            if (close > open + 1) {
                key = key.substring(open + 1, close);
            }
        }
        int crc = 0;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
                crc &= 0xffff;
            }
        }
        return crc % ClusterTopology.SLOTS;
    }

    /** Reads which primary serves each slot from the first node that answers. */
    public void refresh() throws IOException {
        IOException last = null;
        for (String seed : new ArrayList<>(seeds)) {
            try {
                ClusterTopology t = ClusterDiscovery.discover(RedisUri.parse("redis://" + seed));
                for (ClusterTopology.Shard s : t.shards()) {
                    for (ClusterTopology.SlotRange r : s.slots()) {
                        for (int slot = r.first(); slot <= r.last(); slot++) {
                            owner[slot] = s.primary().address();
                        }
                    }
                    if (!seeds.contains(s.primary().address())) {
                        seeds.add(s.primary().address());
                    }
                }
                return;
            } catch (IOException | RuntimeException e) {
                last = e instanceof IOException io ? io : new IOException(e);
            }
        }
        throw last == null ? new IOException("no seed") : last;
    }

    /**
     * SET key value, then WAIT replicas on the node that took it: true when acknowledged by at
     * least that many replicas. A write the cluster refused (down, a node gone) is false and not
     * kept as written.
     */
    public boolean set(String key, String value, int replicas) {
        int slot = slot(key);
        for (int attempt = 0; attempt < 5; attempt++) {
            String address = owner[slot];
            RedisConnection c;
            boolean sent = false;
            try {
                c = connection(address);
                try {
                    sent = true;
                    c.call("SET", key, value);
                } catch (RedisErrorReply e) {
                    String m = e.getMessage();
                    if (m.startsWith("MOVED ")) {
                        owner[slot] = m.split(" ")[2];
                        continue;
                    }
                    if (!m.startsWith("ASK ")) {
                        return false; // CLUSTERDOWN, TRYAGAIN...: not written
                    }
                    c = connection(m.split(" ")[2]);
                    c.call("ASKING");
                    c.call("SET", key, value);
                }
            } catch (IOException | RuntimeException e) {
                if (sent) {
                    written.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                }
                RedisConnection broken = connections.remove(address);
                if (broken != null) {
                    broken.close();
                }
                try {
                    refresh();
                } catch (IOException gone) {
                    return false; // every node down for a moment: the next write tries again
                }
                continue; // perhaps written, perhaps not (kept as a value it may have): the same SET again
            }
            List<String> values = written.computeIfAbsent(key, k -> new ArrayList<>());
            long acked;
            try {
                acked = c.callLong("WAIT", Integer.toString(replicas), "5000");
            } catch (IOException | RuntimeException e) {
                acked = -1;
            }
            if (acked >= replicas) {
                values.clear();
                everAcked.put(key, true);
            }
            values.add(value);
            return acked >= replicas;
        }
        return false;
    }

    /**
     * Keys whose value in restored is not what an acknowledged write left: restored must hold each
     * acknowledged key with its last acknowledged value, or a value written (unacknowledged) after it.
     */
    public List<String> lost(Map<String, String> restored) {
        List<String> lost = new ArrayList<>();
        written.forEach((key, values) -> {
            if (everAcked.getOrDefault(key, false) && !values.contains(restored.get(key))) {
                lost.add(key + " (written " + values + ", restored " + restored.get(key) + ")");
            }
        });
        return lost;
    }

    /** How many keys had an acknowledged write. */
    public long acknowledgedKeys() {
        return everAcked.size();
    }

    /** Every key written (acknowledged or not), with the values it may have. */
    public Map<String, List<String>> written() {
        return written;
    }

    private RedisConnection connection(String address) throws IOException {
        RedisConnection c = connections.get(address);
        if (c == null) {
            int colon = address.lastIndexOf(':');
            c = new RedisConnection(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)),
                    Duration.ofSeconds(10));
            connections.put(address, c);
        }
        return c;
    }

    @Override
    public void close() {
        connections.values().forEach(RedisConnection::close);
    }
}
