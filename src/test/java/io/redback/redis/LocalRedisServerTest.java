package io.redback.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Slow
class LocalRedisServerTest {

    @Test
    void aStartedServerStoresAndReturnsValues() throws IOException {
        try (LocalRedisServer redis = TestRedis.server().start();
             RedisConnection c = redis.connect()) {
            assertThat(redis.host()).isEqualTo("127.0.0.1");
            assertThat(redis.uri()).hasToString("redis://127.0.0.1:" + redis.port());
            assertThat(redis.version()).matches("\\d+\\.\\d+\\.\\d+.*");

            assertThat(c.call("SET", "greeting", "hello")).isEqualTo("OK");
            assertThat(c.call("GET", "greeting")).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
            assertThat(c.callString("GET", "greeting")).isEqualTo("hello");
        }
    }

    @Test
    void theServerIsSafeByDefaultAndTakesExtraConfig() throws IOException {
        try (LocalRedisServer redis = TestRedis.server()
                .config("rdbcompression", "no")
                .config("hash-max-ziplist-entries", "7")
                .config("maxmemory-policy", "allkeys-lru")
                .start();
             RedisConnection c = redis.connect()) {
            assertThat(configGet(c, "bind")).isEqualTo("127.0.0.1");
            assertThat(configGet(c, "save")).isEmpty();
            assertThat(configGet(c, "appendonly")).isEqualTo("no");
            assertThat(configGet(c, "protected-mode")).isEqualTo("yes");
            assertThat(configGet(c, "dir")).isEqualTo(redis.dir().toRealPath().toString());
            assertThat(configGet(c, "rdbcompression")).isEqualTo("no");
            assertThat(configGet(c, "hash-max-ziplist-entries")).isEqualTo("7");
            assertThat(configGet(c, "maxmemory-policy")).isEqualTo("allkeys-lru");
        }
    }

    @Test
    void settingsTheServerDependsOnCannotBeOverridden() {
        assertThatThrownBy(() -> TestRedis.server().config("port", "6379"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> TestRedis.server().config("--dir", "/tmp"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Builder.dir");
    }

    @Test
    void saveWritesTheRdbFile() throws IOException {
        try (LocalRedisServer redis = TestRedis.server().start();
             RedisConnection c = redis.connect()) {
            c.call("SET", "k", "v");
            assertThat(redis.rdbFile()).doesNotExist();

            assertThat(c.call("SAVE")).isEqualTo("OK");

            assertThat(redis.rdbFile()).exists();
            byte[] header = new byte[5];
            System.arraycopy(Files.readAllBytes(redis.rdbFile()), 0, header, 0, 5);
            assertThat(new String(header, StandardCharsets.US_ASCII)).isEqualTo("REDIS");
        }
    }

    @Test
    void anExistingRdbIsLoadedWithoutItsExpiredKeys() throws Exception {
        Path fixture = resource("/fixtures/redis-7.0.15-debian/dump.rdb");
        byte[] before = Files.readAllBytes(fixture);
        try (LocalRedisServer redis = TestRedis.server().rdb(fixture).start();
             RedisConnection c = redis.connect()) {
            // The fixture is RDB version 10; older servers refuse it.
            Assumptions.assumeTrue(major(redis.version()) >= 7,
                    "redis-server " + redis.version() + " cannot load RDB 10");

            // expect.txt, "after the 2-second keys expired": the short-TTL keys were saved
            // alive but their deadlines passed long ago, so a fresh load drops them.
            assertThat(c.callLong("DBSIZE")).isEqualTo(64);
            c.call("SELECT", 1);
            assertThat(c.callLong("DBSIZE")).isEqualTo(7);
            c.call("SELECT", 5);
            assertThat(c.callLong("DBSIZE")).isEqualTo(5);
            assertThat(redis.rdbFile()).hasSameBinaryContentAs(fixture);
        }
        assertThat(Files.readAllBytes(fixture)).isEqualTo(before);
    }

    @Test
    void aDamagedRdbFailsTheStartWithRedisOwnComplaint(@TempDir Path tmp) throws IOException {
        Path bad = tmp.resolve("bad.rdb");
        Files.writeString(bad, "NOT AN RDB FILE AT ALL");

        assertThatThrownBy(() -> {
            try (LocalRedisServer redis = TestRedis.server().rdb(bad).start()) {
                throw new AssertionError("started on a damaged RDB: " + redis);
            }
        }).isInstanceOf(IOException.class)
                .hasMessageContaining("exited with status")
                .hasMessageContaining("Wrong signature");
    }

    @Test
    void aBadConfigValueFailsTheStartWithTheServersMessage() {
        assertThatThrownBy(() -> {
            try (LocalRedisServer redis = TestRedis.server().config("maxmemory-policy", "no-such-policy").start()) {
                throw new AssertionError("started with a bad config: " + redis);
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("no-such-policy");
    }

    @Test
    void closeLeavesNoProcessAndNoTempDir() throws IOException {
        LocalRedisServer redis = TestRedis.server().start();
        long pid = redis.pid();
        Path dir = redis.dir();
        assertThat(alive(pid)).isTrue();

        redis.close();

        assertThat(alive(pid)).isFalse();
        assertThat(dir).doesNotExist();
        redis.close(); // a second close is harmless
    }

    @Test
    void closeKillsAServerThatRefusesToShutDown() throws IOException {
        LocalRedisServer redis = TestRedis.server()
                .config("rename-command", "SHUTDOWN", "")
                .stopTimeout(Duration.ofMillis(300))
                .start();
        long pid = redis.pid();

        redis.close();

        assertThat(alive(pid)).isFalse();
    }

    @Test
    void aGivenDirIsKeptAndHoldsTheLog(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("data");
        try (LocalRedisServer redis = TestRedis.server().dir(dir).start()) {
            assertThat(redis.dir()).isEqualTo(dir.toAbsolutePath());
            assertThat(redis.rdbFile()).isEqualTo(dir.toAbsolutePath().resolve("dump.rdb"));
        }
        assertThat(dir.resolve("redis-server.log")).content().contains("Ready to accept connections");
    }

    @Test
    void aPortTakenBetweenProbeAndStartIsRetried() throws IOException {
        try (ServerSocket squatter = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            List<Integer> handedOut = new ArrayList<>();
            int[] next = {squatter.getLocalPort()};
            try (LocalRedisServer redis = TestRedis.server()
                    .ports(() -> {
                        int port = next[0];
                        next[0] = freePort();
                        handedOut.add(port);
                        return port;
                    })
                    .start()) {
                assertThat(handedOut).hasSize(2).startsWith(squatter.getLocalPort());
                assertThat(redis.port()).isEqualTo(handedOut.get(1));
            }
        }
    }

    @Test
    void anUnusableRedbackRedisServerIsReportedNotIgnored(@TempDir Path tmp) throws IOException {
        Path missing = tmp.resolve("no-such-redis-server");
        Map<String, String> env = Map.of(RedisServerBinary.ENV_VAR, missing.toString(), "PATH", "/usr/bin:/bin");

        assertThatThrownBy(() -> new LocalRedisServer.Builder(env).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("REDBACK_REDIS_SERVER=" + missing)
                .hasMessageContaining("no such file");

        Path notExecutable = Files.writeString(tmp.resolve("redis-server"), "#!/bin/sh\n");
        assertThatThrownBy(() -> RedisServerBinary.find(Map.of(RedisServerBinary.ENV_VAR, notExecutable.toString())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not executable");
        assertThatThrownBy(() -> RedisServerBinary.find(Map.of(RedisServerBinary.ENV_VAR, tmp.toString())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is a directory");
    }

    @Test
    void withoutRedbackRedisServerTheBinaryComesFromPath(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Path bin = Files.createDirectory(tmp.resolve("bin"));
        Path exe = Files.writeString(bin.resolve("redis-server"), "#!/bin/sh\necho 'Redis server v=9.9.9 sha=0'\n");
        Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThat(RedisServerBinary.find(Map.of("PATH", empty + ":" + bin))).contains(exe);
        assertThat(RedisServerBinary.find(Map.of("PATH", empty.toString()))).isEmpty();
        assertThat(RedisServerBinary.find(Map.of())).isEmpty();
        assertThat(RedisServerBinary.find(Map.of(RedisServerBinary.ENV_VAR, "", "PATH", bin.toString()))).contains(exe);
        assertThat(RedisServerBinary.version(exe)).isEqualTo("9.9.9");

        assertThatThrownBy(() -> new LocalRedisServer.Builder(Map.of("PATH", empty.toString())).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("redis-server not found: install redis-server (e.g. apt-get install redis-server) "
                        + "or set REDBACK_REDIS_SERVER to its path");
    }

    @Test
    void theVersionIsReadFromTheBinary() throws IOException {
        try (LocalRedisServer redis = TestRedis.server().start()) {
            assertThat(RedisServerBinary.version(TestRedis.binary())).isEqualTo(redis.version());
        }
    }

    private static String configGet(RedisConnection c, String name) throws IOException {
        List<?> reply = (List<?>) c.call("CONFIG", "GET", name);
        assertThat(reply).hasSize(2);
        return new String((byte[]) reply.get(1), StandardCharsets.UTF_8);
    }

    private static boolean alive(long pid) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        return handle.map(ProcessHandle::isAlive).orElse(false);
    }

    private static int major(String version) {
        return Integer.parseInt(version.substring(0, version.indexOf('.')));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(LocalRedisServerTest.class.getResource(name).toURI());
    }
}
