package io.redback.testsupport;

import io.redback.redis.LocalRedisServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Newer server releases for cross-version tests (Redis 7.2.6 and 7.4.1, Valkey 8.0.1), built
 * once from the source tarballs in {@code ../shared/servers} by its {@code build.sh} into a cache
 * outside the repository. Where no compiler or no tarball is there, {@link #server(String)}
 * skips the calling test and says why, so the suite still runs on a bare machine.
 */
public final class ServerReleases {
    /** Releases whose tarballs ship beside the project. */
    public static final List<String> ALL = List.of("redis-7.2.6", "redis-7.4.1", "valkey-8.0.1");

    private static final Path BUILD_SCRIPT = Path.of("..", "shared", "servers", "build.sh");

    private record Result(Path binary, String whyNot) {}

    private ServerReleases() {}

    /** The release's server binary, or empty when it cannot be built here. */
    public static Optional<Path> binary(String release) {
        return Optional.ofNullable(build(release).binary());
    }

    /** A builder for a throwaway server of that release; skips the test (with the reason) if it cannot be built. */
    public static LocalRedisServer.Builder server(String release) {
        Result r = build(release);
        Assumptions.assumeTrue(r.binary() != null, () -> release + " not available: " + r.whyNot());
        return LocalRedisServer.builder().binary(r.binary());
    }

    // build.sh builds once and then only prints the cached binary's path.
    private static Result build(String release) {
        if (!Files.isRegularFile(BUILD_SCRIPT)) {
            return new Result(null, "no " + BUILD_SCRIPT + " beside the project");
        }
        try {
            Path log = Files.createTempFile("redback-build-", ".log");
            try {
                Process p = new ProcessBuilder("bash", BUILD_SCRIPT.toString(), release)
                        .redirectErrorStream(false)
                        .redirectError(log.toFile())
                        .start();
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                if (!p.waitFor(15, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    return new Result(null, "building " + release + " took over 15 minutes");
                }
                if (p.exitValue() != 0) {
                    return new Result(null, Files.readString(log, StandardCharsets.UTF_8).strip());
                }
                Path bin = Path.of(new String(out, StandardCharsets.UTF_8).strip());
                return Files.isExecutable(bin) ? new Result(bin, null) : new Result(null, "build.sh printed " + bin);
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            return new Result(null, "cannot run build.sh: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(null, "interrupted while building " + release);
        }
    }
}
