package io.redback.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A drill's server: the newest redis-server or valkey-server on PATH, unless one is named. */
@io.redback.testsupport.Fast
class RedisServerBinaryNewestTest {
    @TempDir
    Path dir;

    /** An executable that answers --version as a release does (only the version is read from it). */
    private Path binary(String folder, String name, String banner) throws IOException {
        Path d = Files.createDirectories(dir.resolve(folder));
        Path p = d.resolve(name);
        Files.writeString(p, "#!/bin/sh\necho '" + banner + "'\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    @Test
    void theNewestReleaseOnPathIsChosenWhateverItsNameAndPlace() throws IOException {
        binary("a", "redis-server", "Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64");
        Path valkey = binary("b", "valkey-server", "Valkey server v=8.0.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64");
        binary("c", "redis-server", "Redis server v=7.4.1 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64");
        String path = dir.resolve("a") + ":" + dir.resolve("b") + ":" + dir.resolve("c");
        assertThat(RedisServerBinary.newest(Map.of("PATH", path))).isEqualTo(valkey.toAbsolutePath());
    }

    @Test
    void theNamedServerWinsAndNoneIsAnErrorThatSaysWhatToInstall() throws IOException {
        Path named = binary("x", "my-redis", "Redis server v=6.2.14");
        binary("y", "redis-server", "Redis server v=7.4.1");
        assertThat(RedisServerBinary.newest(Map.of(RedisServerBinary.ENV_VAR, named.toString(),
                "PATH", dir.resolve("y").toString()))).isEqualTo(named.toAbsolutePath());
        assertThatThrownBy(() -> RedisServerBinary.newest(Map.of("PATH", dir.resolve("nothing").toString())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("redis-server not found");
    }
}
