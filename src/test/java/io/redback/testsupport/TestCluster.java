package io.redback.testsupport;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A throwaway Redis Cluster of real {@code redis-server --cluster-enabled yes} processes on free
 * loopback ports: primaries splitting the 16384 slots evenly (CLUSTER ADDSLOTSRANGE, CLUSTER MEET),
 * started and stopped together. Use in try-with-resources so that no process outlives the test.
 */
public final class TestCluster implements AutoCloseable {
    private final List<LocalRedisServer> primaries;
    private final List<LocalRedisServer> replicas;

    private TestCluster(List<LocalRedisServer> primaries, List<LocalRedisServer> replicas) {
        this.primaries = List.copyOf(primaries);
        this.replicas = List.copyOf(replicas);
    }

    /** Starts n primaries and waits until the cluster says cluster_state:ok on every node. */
    public static TestCluster start(int n) throws IOException, InterruptedException {
        return start(n, false);
    }

    /**
     * Starts n primaries, with one replica each when withReplicas (replica i follows primary i),
     * and waits until every node says cluster_state:ok and every replica's link is up.
     */
    public static TestCluster start(int n, boolean withReplicas) throws IOException, InterruptedException {
        List<LocalRedisServer> started = new ArrayList<>();
        List<LocalRedisServer> followers = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                started.add(TestRedis.server().config("cluster-enabled", "yes")
                        .config("cluster-node-timeout", "5000").start());
            }
            for (int i = 0; i < n; i++) {
                int first = 16384 * i / n;
                int last = 16384 * (i + 1) / n - 1;
                try (RedisConnection c = started.get(i).connect()) {
                    c.call("CLUSTER", "ADDSLOTSRANGE", Integer.toString(first), Integer.toString(last));
                    for (int j = 0; j < n; j++) {
                        if (j != i) {
                            c.call("CLUSTER", "MEET", started.get(j).host(), Integer.toString(started.get(j).port()));
                        }
                    }
                }
            }
            new TestCluster(started, List.of()).awaitOk(started.size());
            if (withReplicas) {
                for (int i = 0; i < n; i++) {
                    LocalRedisServer replica = TestRedis.server().config("cluster-enabled", "yes")
                            .config("cluster-node-timeout", "5000").config("repl-diskless-sync-delay", "0").start();
                    followers.add(replica);
                    String primaryId;
                    try (RedisConnection p = started.get(i).connect()) {
                        primaryId = p.callString("CLUSTER", "MYID");
                    }
                    try (RedisConnection c = replica.connect()) {
                        c.call("CLUSTER", "MEET", started.get(0).host(), Integer.toString(started.get(0).port()));
                        awaitKnown(c, primaryId);
                        c.call("CLUSTER", "REPLICATE", primaryId);
                    }
                }
            }
            TestCluster cluster = new TestCluster(started, followers);
            cluster.awaitOk(started.size() + followers.size());
            cluster.awaitReplicasLinked();
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            followers.forEach(LocalRedisServer::close);
            started.forEach(LocalRedisServer::close);
            throw e;
        }
    }

    private static void awaitKnown(RedisConnection c, String nodeId) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!c.callString("CLUSTER", "NODES").contains(nodeId + " ")) {
            if (System.nanoTime() > deadline) {
                throw new IOException("node " + nodeId + " not known to the new replica after 30 s");
            }
            Thread.sleep(100);
        }
    }

    private void awaitReplicasLinked() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (LocalRedisServer r : replicas) {
            try (RedisConnection c = r.connect()) {
                while (!"up".equals(c.info("replication").get("master_link_status"))) {
                    if (System.nanoTime() > deadline) {
                        throw new IOException("replica " + r.port() + " not linked to its primary after 30 s");
                    }
                    Thread.sleep(100);
                }
            }
        }
    }

    private void awaitOk(int nodes) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<LocalRedisServer> all = new ArrayList<>(primaries);
        all.addAll(replicas);
        while (true) {
            boolean ok = true;
            for (LocalRedisServer s : all) {
                try (RedisConnection c = s.connect()) {
                    ok &= "ok".equals(clusterState(c));
                    String text = c.callString("CLUSTER", "NODES");
                    ok &= text.strip().split("\n").length == nodes && !text.contains("handshake");
                }
            }
            if (ok) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the test cluster did not reach cluster_state:ok in 30 s");
            }
            Thread.sleep(100);
        }
    }

    private static String clusterState(RedisConnection c) throws IOException {
        for (String line : c.callString("CLUSTER", "INFO").split("\r?\n")) {
            if (line.startsWith("cluster_state:")) {
                return line.substring("cluster_state:".length()).strip();
            }
        }
        return null;
    }

    /** The primaries, in slot order (primary i holds slots 16384*i/n .. 16384*(i+1)/n-1). */
    public List<LocalRedisServer> primaries() {
        return primaries;
    }

    /** The replicas (replica i follows primary i); empty unless started with replicas. */
    public List<LocalRedisServer> replicas() {
        return replicas;
    }

    /** The primary serving slot. */
    public LocalRedisServer primaryFor(int slot) {
        return primaries.get(slot * primaries.size() / 16384);
    }

    /** The redis:// URI of the first primary (any node would do for discovery). */
    public String uri() {
        return "redis://" + primaries.get(0).host() + ":" + primaries.get(0).port();
    }

    @Override
    public void close() {
        replicas.forEach(LocalRedisServer::close);
        primaries.forEach(LocalRedisServer::close);
    }
}
