package io.redback.drill;

import io.redback.pitr.RestoreException;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisUri;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The throwaway redis-server of a drill, shared by {@link Drill} and {@link ClusterDrill}: how it
 * is started on a data folder, its address, the reload check (it SAVEs what it serves, is
 * restarted on that file and must pass the drill's validation again), and the stop of servers
 * still loading when the JVM is told to exit.
 */
final class ThrowawayServer {
    /** The drill's own validation, run again after the restart; returns its problems. */
    @FunctionalInterface
    interface Validate {
        List<String> problems(RedisUri served, String serverVersion) throws IOException, RestoreException;
    }

    private ThrowawayServer() {
    }

    /** A server on a free loopback port serving data (appendonly off: it loads, or writes, data/dump.rdb). */
    static LocalRedisServer start(Path data, Path binary) throws IOException {
        return LocalRedisServer.builder().dir(data).config("appendonly", "no").binary(binary)
                .startTimeout(Duration.ofHours(12)).start();
    }

    static RedisUri uri(LocalRedisServer server) {
        return RedisUri.parse("redis://" + LocalRedisServer.HOST + ":" + server.port());
    }

    /** The drill's target as results name it. */
    static String describe(LocalRedisServer server, Path binary) {
        return "a throwaway redis-server " + server.version() + " on " + LocalRedisServer.HOST + ":" + server.port()
                + " (" + binary + ")";
    }

    /**
     * The reload check: the server SAVEs what it serves, is restarted on that file, and must serve
     * the restored point again (a server that cannot write or read back its own RDB of this data
     * would fail the next real restart). server[0] is the running server, replaced by the
     * restarted one (null when it did not start), so that whoever stops it finds it there.
     */
    static void reloadCheck(LocalRedisServer[] server, Path data, Path binary, Validate again, List<String> problems)
            throws IOException {
        try (RedisConnection c = server[0].connect()) {
            c.call("SAVE");
        }
        server[0].close();
        server[0] = null;
        try {
            server[0] = start(data, binary);
        } catch (IOException e) {
            problems.add("after SAVE, redis-server did not load its own RDB again: " + e.getMessage());
            return;
        }
        try {
            again.problems(uri(server[0]), server[0].version()).forEach(p -> problems.add("after SAVE and a restart: "
                    + p));
        } catch (RestoreException e) {
            problems.add("after SAVE and a restart: " + e.getMessage());
        }
    }

    /**
     * Stops the redis-server processes this JVM started from binary and that still run: a server
     * still loading (its {@link LocalRedisServer} not yet returned) or one materialising a point in
     * time. Only at shutdown, when none of them has anyone left to stop it.
     */
    static void stopServersStartedHere(Path binary) {
        Path real;
        try {
            real = binary.toRealPath();
        } catch (IOException e) {
            real = binary.toAbsolutePath();
        }
        String command = real.toString();
        List<ProcessHandle> servers = ProcessHandle.current().descendants()
                .filter(h -> h.info().command().map(c -> c.equals(command)).orElse(false)).toList();
        servers.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : servers) {
            try {
                h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
            }
        }
    }
}
