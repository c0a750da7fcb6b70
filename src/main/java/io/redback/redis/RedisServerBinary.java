package io.redback.redis;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@code redis-server} executable that redback starts for drills, restores into a
 * data dir and tests: the path in the environment variable {@value #ENV_VAR} if it is set,
 * otherwise {@code redis-server} on {@code PATH}. A variable that is set but does not name an
 * executable file is an error rather than a reason to fall back to PATH, because the user
 * asked for that particular server. Stateless: every call reads the environment afresh.
 */
public final class RedisServerBinary {
    /** Environment variable naming the redis-server (or valkey-server) executable to use. */
    public static final String ENV_VAR = "REDBACK_REDIS_SERVER";

    static final String NOT_FOUND =
            "redis-server not found: install redis-server (e.g. apt-get install redis-server) or set "
                    + ENV_VAR + " to its path";

    private static final String EXECUTABLE = "redis-server";
    private static final Pattern VERSION = Pattern.compile("\\bv=(\\d+(?:\\.\\d+)*\\S*)");
    private static final long VERSION_TIMEOUT_SECONDS = 10;

    private RedisServerBinary() {}

    /**
     * The executable to use, or empty if {@value #ENV_VAR} is unset and PATH has no
     * {@code redis-server}.
     *
     * @throws IllegalStateException if {@value #ENV_VAR} is set but does not name an executable file
     */
    public static Optional<Path> find() {
        return find(System.getenv());
    }

    /** {@link #find()} or an exception saying how to install or configure redis-server. */
    public static Path require() {
        return require(System.getenv());
    }

    /** {@link #require()} against a given environment. */
    public static Path require(Map<String, String> env) {
        return find(env).orElseThrow(() -> new IllegalStateException(NOT_FOUND));
    }

    /** {@link #find()} against a given environment, so tests need not change the real one. */
    public static Optional<Path> find(Map<String, String> env) {
        String configured = env.get(ENV_VAR);
        if (configured != null && !configured.isBlank()) {
            return Optional.of(checkConfigured(configured));
        }
        String path = env.get("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
            if (dir.isEmpty()) {
                continue; // an empty entry means "current directory": never run a binary from there
            }
            try {
                Path candidate = Path.of(dir, EXECUTABLE);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate.toAbsolutePath());
                }
            } catch (InvalidPathException ignored) {
                // A malformed PATH entry cannot hold redis-server; keep looking.
            }
        }
        return Optional.empty();
    }

    /**
     * For a drill: the server named by {@value #ENV_VAR} if set, else the newest of every
     * {@code redis-server} and {@code valkey-server} on PATH (by the version each reports), since
     * the newest release reads the RDB versions of all older ones.
     *
     * @throws IllegalStateException when none is found, or {@value #ENV_VAR} names no executable
     */
    public static Path newest(Map<String, String> env) {
        String configured = env.get(ENV_VAR);
        if (configured != null && !configured.isBlank()) {
            return checkConfigured(configured);
        }
        Path best = null;
        int[] bestVersion = null;
        java.util.Set<Path> seen = new java.util.HashSet<>();
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(Pattern.quote(File.pathSeparator))) {
            if (dir.isEmpty()) {
                continue; // never the current directory
            }
            for (String name : new String[] {EXECUTABLE, "valkey-server"}) {
                try {
                    Path candidate = Path.of(dir, name);
                    if (!Files.isRegularFile(candidate) || !Files.isExecutable(candidate)
                            || !seen.add(candidate.toRealPath())) {
                        continue;
                    }
                    int[] v = numbers(version(candidate));
                    if (bestVersion == null || java.util.Arrays.compare(v, bestVersion) > 0) {
                        best = candidate.toAbsolutePath();
                        bestVersion = v;
                    }
                } catch (IOException | InvalidPathException e) {
                    // one that cannot say its version is not a candidate
                }
            }
        }
        if (best == null) {
            throw new IllegalStateException(NOT_FOUND);
        }
        return best;
    }

    private static int[] numbers(String version) {
        String[] parts = version.split("[^0-9]+");
        int[] v = new int[3];
        for (int i = 0, j = 0; i < parts.length && j < 3; i++) {
            if (!parts[i].isEmpty()) {
                v[j++] = Integer.parseInt(parts[i].length() > 9 ? parts[i].substring(0, 9) : parts[i]);
            }
        }
        return v;
    }

    private static Path checkConfigured(String value) {
        String fix = "; set " + ENV_VAR + " to the path of a redis-server executable, or unset it to use "
                + "redis-server from PATH";
        Path p;
        try {
            p = Path.of(value).toAbsolutePath();
        } catch (InvalidPathException e) {
            throw new IllegalStateException(ENV_VAR + "=" + value + " is not a valid path" + fix, e);
        }
        if (!Files.exists(p)) {
            throw new IllegalStateException(ENV_VAR + "=" + value + ": no such file" + fix);
        }
        if (Files.isDirectory(p)) {
            throw new IllegalStateException(ENV_VAR + "=" + value + " is a directory" + fix);
        }
        if (!Files.isExecutable(p)) {
            throw new IllegalStateException(ENV_VAR + "=" + value + " is not executable (chmod +x it)" + fix);
        }
        return p;
    }

    /**
     * The version the executable reports, from the {@code v=7.0.15} field of
     * {@code redis-server --version} (valkey-server prints the same field).
     *
     * @throws IOException if it cannot be run, does not finish within 10 seconds, or prints no version
     */
    public static String version(Path executable) throws IOException {
        // Output goes to a file, not a pipe: a binary that never exits cannot block us on a read.
        Path out = Files.createTempFile("redback-redis-version-", ".txt");
        try {
            Process p;
            try {
                p = new ProcessBuilder(executable.toString(), "--version")
                        .redirectErrorStream(true)
                        .redirectOutput(out.toFile())
                        .start();
            } catch (IOException e) {
                throw new IOException("cannot run " + executable + " --version: " + e.getMessage(), e);
            }
            p.getOutputStream().close();
            try {
                if (!p.waitFor(VERSION_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(executable + " --version did not finish within "
                            + VERSION_TIMEOUT_SECONDS + " s; is it really redis-server?");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while running " + executable + " --version");
            }
            String text = Files.readString(out, StandardCharsets.UTF_8).strip();
            Matcher m = VERSION.matcher(text);
            if (!m.find()) {
                throw new IOException("cannot read the version of " + executable + ": expected 'Redis server v=X.Y.Z ...'"
                        + " from --version, got: " + (text.isEmpty() ? "(no output)" : text.lines().findFirst().orElse(""))
                        + " (exit status " + p.exitValue() + ")");
            }
            return m.group(1);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
