package io.redback.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.Repository;
import io.redback.storage.crypt.EncryptedStorage;
import io.redback.storage.file.FileStorage;
import io.redback.testsupport.TestRedis;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent on an encrypted repository: it opens it with REDBACK_REPO_PASSWORD, and refuses to start without it. */
@io.redback.testsupport.Slow
class AgentEncryptedTest {
    private static final String PASSWORD = "agent secret";

    @TempDir
    Path dir;

    @Test
    void theAgentSnapshotsIntoAnEncryptedRepositoryWithThePasswordFromItsEnvironment() throws Exception {
        try (FileStorage storage = new FileStorage(dir.resolve("repo"))) {
            Repository.initEncrypted(storage, Clock.systemUTC(), PASSWORD.toCharArray());
        }
        try (LocalRedisServer redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            AgentConfig config = AgentConfig.parse("""
                    repository: %s
                    listen: 127.0.0.1:0
                    state-dir: %s
                    sources:
                      - name: cache-1
                        redis: redis://127.0.0.1:%d
                        snapshot: {every: 1s}
                    """.formatted(dir.resolve("repo").toUri(), dir.resolve("state"), redis.port()), Map.of(), dir);

            Agent without = new Agent(config, Map.of(), new PrintWriter(new StringWriter()), true, Duration.ofSeconds(10),
                    "test", Clock.systemUTC());
            assertThatThrownBy(without::start).hasMessageContaining("is encrypted")
                    .hasMessageContaining("REDBACK_REPO_PASSWORD");

            StringWriter log = new StringWriter();
            Agent agent = new Agent(config, Map.of("REDBACK_REPO_PASSWORD", PASSWORD), new PrintWriter(log), true,
                    Duration.ofSeconds(10), "test", Clock.systemUTC());
            agent.start();
            try {
                AgentTest.await(Duration.ofSeconds(60), () -> {
                    synchronized (log) {
                        return log.toString().contains("\"event\":\"snapshot\"");
                    }
                });
            } finally {
                agent.stop();
                assertThat(agent.awaitStopped(Duration.ofSeconds(30))).isTrue();
            }
        }
        try (FileStorage raw = new FileStorage(dir.resolve("repo"))) {
            String id = Repository.readConfig(raw).orElseThrow().id();
            Repository repository = Repository.open(EncryptedStorage.unlock(raw, id, PASSWORD.toCharArray()));
            assertThat(repository.catalog().snapshots("cache-1")).isNotEmpty();
        }
    }
}
