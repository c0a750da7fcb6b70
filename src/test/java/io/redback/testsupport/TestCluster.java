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

    private TestCluster(List<LocalRedisServer> primaries) {
        this.primaries = List.copyOf(primaries);
    }

    /** Starts n primaries and waits until the cluster says cluster_state:ok on every node. */
    public static TestCluster start(int n) throws IOException, InterruptedException {
        List<LocalRedisServer> started = new ArrayList<>();
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
            TestCluster cluster = new TestCluster(started);
            cluster.awaitOk();
            return cluster;
        } catch (IOException | RuntimeException | InterruptedException e) {
            started.forEach(LocalRedisServer::close);
            throw e;
        }
    }

    private void awaitOk() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            boolean ok = true;
            for (LocalRedisServer s : primaries) {
                try (RedisConnection c = s.connect()) {
                    ok &= "ok".equals(c.info("cluster").isEmpty() ? null : clusterState(c));
                    ok &= c.callString("CLUSTER", "NODES").strip().split("\n").length == primaries.size();
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
        primaries.forEach(LocalRedisServer::close);
    }
}
