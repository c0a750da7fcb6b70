package io.redback.restore;

import io.redback.pitr.RestoreException;
import io.redback.redis.LocalRedisServer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Proves that redis-server loads a restored {@code dump.rdb}: a throwaway redis-server
 * ({@link LocalRedisServer}: a free port of 127.0.0.1, no persistence of its own, its log in the
 * folder) starts on the folder and is waited for until it answers PING with {@code loading:0}
 * (the load phase); its keys per database ({@code INFO keyspace}) are taken, it is stopped, and
 * the RDB is read again to compare ({@link LoadedKeys}: the validate phase). A drill that needs
 * the server running for longer checks uses the same parts: {@link LocalRedisServer#keysPerDb()}
 * and {@link LoadedKeys#compare}.
 */
public final class LoadCheck {
    /**
     * What happened: the server's version, address and pid, its log (kept in the folder), the
     * comparison, and how long loading and validating took.
     */
    public record Result(String version, String host, int port, long pid, Path log, LoadedKeys keys,
                         Map<Phase, Duration> phases) {
        /** Whether the server loaded the keys the RDB holds. */
        public boolean matches() {
            return keys.matches();
        }
    }

    private LoadCheck() {
    }

    /**
     * Starts redisServer on {@code dir/dump.rdb}, counts, stops it and compares.
     *
     * @throws RestoreException DAMAGED when the RDB cannot be read again
     * @throws IOException when the server cannot start or be asked (its log's last lines say why)
     */
    public static Result run(Path redisServer, Path dir, PhaseListener listener) throws IOException, RestoreException {
        Objects.requireNonNull(redisServer, "redisServer");
        Phases phases = new Phases(listener);
        long startedMs = System.currentTimeMillis();
        Map<Integer, Long> loaded;
        long countedMs;
        String version;
        int port;
        long pid;
        Path log;
        phases.start(Phase.LOAD);
        try (LocalRedisServer server = LocalRedisServer.builder().dir(dir).config("appendonly", "no")
                .binary(redisServer).start()) {
            phases.start(Phase.VALIDATE);
            version = server.version();
            port = server.port();
            pid = server.pid();
            log = server.logFile();
            loaded = server.keysPerDb();
            countedMs = System.currentTimeMillis();
        }
        LoadedKeys keys = LoadedKeys.compare(dir.resolve("dump.rdb"), loaded, startedMs, countedMs);
        phases.end();
        return new Result(version, LocalRedisServer.HOST, port, pid, log, keys, phases.took());
    }
}
