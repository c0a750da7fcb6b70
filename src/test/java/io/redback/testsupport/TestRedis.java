package io.redback.testsupport;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisServerBinary;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Real redis-server processes for tests. {@link #server()} uses the redis-server redback itself
 * would use ({@code REDBACK_REDIS_SERVER}, else PATH) and otherwise the static redis-server
 * 7.0.15 bundled in the org.signal:embedded-redis jar, so the suite runs on a machine without
 * Redis installed.
 *
 * <p>Every test must start servers in try-with-resources so that no process outlives it:
 * <pre>{@code
 * try (LocalRedisServer redis = TestRedis.server().start();
 *      RedisConnection c = redis.connect()) {
 *     ...
 * }
 * }</pre>
 */
public final class TestRedis {
    /** The redis-server version bundled in embedded-redis 0.9.1. */
    static final String BUNDLED_VERSION = "7.0.15";

    private TestRedis() {}

    /** A builder for a throwaway server on a free port in a temp dir; call start() in try-with-resources. */
    public static LocalRedisServer.Builder server() {
        return LocalRedisServer.builder().binary(binary());
    }

    /** The redis-server executable tests run. */
    public static Path binary() {
        return Binary.PATH;
    }

    // Initialised once per test JVM on first use; the holder keeps it lazy and immutable.
    private static final class Binary {
        static final Path PATH = RedisServerBinary.find().orElseGet(TestRedis::extractBundled);
    }

    private static Path extractBundled() {
        String resource = "redis-server-" + BUNDLED_VERSION + "-" + platform();
        try (InputStream in = TestRedis.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on PATH and no bundled " + resource
                        + " on the test classpath (org.signal:embedded-redis); install redis-server or set "
                        + RedisServerBinary.ENV_VAR);
            }
            Path exe = Files.createTempFile("redback-test-redis-server-", "");
            exe.toFile().deleteOnExit();
            Files.copy(in, exe, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
            return exe;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the bundled " + resource + ": " + e.getMessage(), e);
        }
    }

    /** embedded-redis's resource suffix for this machine: linux-amd64, linux-arm64, darwin-arm64, ... */
    private static String platform() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String osPart;
        if (os.contains("linux")) {
            osPart = "linux";
        } else if (os.contains("mac") || os.contains("darwin")) {
            osPart = "darwin";
        } else {
            throw new IllegalStateException("no bundled redis-server for " + os
                    + "; install redis-server or set " + RedisServerBinary.ENV_VAR);
        }
        String archPart = switch (arch) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64", "arm64" -> "arm64";
            case "x86", "i386", "i486", "i586", "i686" -> "386";
            default -> throw new IllegalStateException("no bundled redis-server for " + os + "/" + arch
                    + "; install redis-server or set " + RedisServerBinary.ENV_VAR);
        };
        return osPart + "-" + archPart;
    }
}
