package io.redback.redis;

import io.redback.files.NewFile;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A throwaway redis-server process, for drills, restores that need Redis's own loader, and
 * tests. It listens on a free port on 127.0.0.1 only, never persists on its own ({@code save ""},
 * {@code appendonly no}), keeps its data and logs in one directory (a new temp dir unless one is
 * given) and can start from an existing RDB. {@link #close()} shuts it down without saving,
 * kills it if it does not go, and deletes the temp dir: use it in try-with-resources, as
 * nothing else (no shutdown hook) will stop the process.
 *
 * <pre>{@code
 * try (LocalRedisServer redis = LocalRedisServer.builder().rdb(dump).start();
 *      RedisConnection c = redis.connect()) {
 *     long keys = c.callLong("DBSIZE");
 * }
 * }</pre>
 */
public final class LocalRedisServer implements AutoCloseable {
    public static final String HOST = "127.0.0.1";
    static final String DBFILENAME = "dump.rdb";
    static final String LOGFILE = "redis-server.log";
    // stdout/stderr: Redis reports command-line and config errors there, before the log is open.
    static final String CONSOLEFILE = "redis-server.out";

    private static final int PORT_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 25;
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);

    private final Process process;
    private final int port;
    private final Path dir;
    private final boolean ownsDir;
    private final String version;
    private final Duration stopTimeout;
    private boolean closed;

    private LocalRedisServer(Process process, int port, Path dir, boolean ownsDir, String version,
                             Duration stopTimeout) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.version = version;
        this.stopTimeout = stopTimeout;
    }

    /** A builder using {@link RedisServerBinary#find()} unless given a binary. */
    public static Builder builder() {
        return new Builder(System.getenv());
    }

    /** Always {@value #HOST}: the server never listens on other interfaces. */
    public String host() {
        return HOST;
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:<port>}. */
    public URI uri() {
        return URI.create("redis://" + HOST + ":" + port);
    }

    /** The server's working directory ({@code dir}), holding its RDB and logs. */
    public Path dir() {
        return dir;
    }

    /** Where SAVE and BGSAVE write, and where a loaded RDB was copied: {@code dir()/dump.rdb}. */
    public Path rdbFile() {
        return dir.resolve(DBFILENAME);
    }

    /** The server's log file. */
    public Path logFile() {
        return dir.resolve(LOGFILE);
    }

    /** The redis-server process id. */
    public long pid() {
        return process.pid();
    }

    /** {@code redis_version} as the running server reports it in INFO, e.g. "7.0.15". */
    public String version() {
        return version;
    }

    /** A new connection to this server; the caller closes it. */
    public RedisConnection connect() throws IOException {
        return new RedisConnection(HOST, port);
    }

    /**
     * Keys per database as the server counts them now ({@code INFO keyspace}); databases with
     * no keys are absent.
     */
    public Map<Integer, Long> keysPerDb() throws IOException {
        Map<Integer, Long> keys = new TreeMap<>();
        try (RedisConnection c = connect()) {
            c.info("keyspace").forEach((db, v) -> {
                if (db.startsWith("db")) {
                    for (String field : v.split(",")) {
                        if (field.startsWith("keys=")) {
                            keys.put(Integer.parseInt(db.substring(2)), Long.parseLong(field.substring(5)));
                        }
                    }
                }
            });
        }
        return keys;
    }

    /**
     * Stops the server: SHUTDOWN NOSAVE, then a forcible kill (of it and any fork it left, such
     * as a BGSAVE child) if it has not exited within the stop timeout; then deletes the directory
     * if it was a temp dir created by {@link Builder#start()}. Safe to call more than once.
     *
     * @throws IllegalStateException if the process survives even the forcible kill
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            stop(process, port, stopTimeout);
        } finally {
            if (ownsDir) {
                deleteTree(dir);
            }
        }
    }

    @Override
    public String toString() {
        return "redis-server " + version + " pid " + process.pid() + " on " + HOST + ":" + port + " in " + dir;
    }

    private static void stop(Process process, int port, Duration gracePeriod) {
        // Descendants first: once the parent is gone its children are re-parented and invisible.
        List<ProcessHandle> children = process.descendants().collect(Collectors.toList());
        boolean interrupted = false;
        try {
            if (process.isAlive()) {
                try (RedisConnection c = new RedisConnection(HOST, port, Duration.ofSeconds(2))) {
                    // Never shut down a server we did not start (during a failed start, the port
                    // may be answered by someone else's).
                    if (isOurs(process, c.info("server").get("process_id"))) {
                        c.call("SHUTDOWN", "NOSAVE");
                    }
                } catch (IOException | RedisErrorReply expected) {
                    // A successful SHUTDOWN closes the connection without a reply; an unreachable
                    // or refusing server is dealt with by the kill below.
                }
            }
            try {
                if (!process.waitFor(gracePeriod.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill(process, children);
                }
            } catch (InterruptedException e) {
                interrupted = true;
                kill(process, children);
            }
            children.forEach(ProcessHandle::destroyForcibly);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static void kill(Process process, List<ProcessHandle> children) {
        children.forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        boolean exited;
        try {
            exited = process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exited = !process.isAlive();
        }
        if (!exited) {
            throw new IllegalStateException("redis-server pid " + process.pid() + " is still running "
                    + KILL_WAIT.toSeconds() + " s after SIGKILL; kill it by hand");
        }
    }

    // A wrapper script may run redis-server as a child rather than exec it.
    private static boolean isOurs(Process process, String pid) {
        if (pid == null) {
            return false;
        }
        String ours = Long.toString(process.pid());
        return ours.equals(pid) || process.descendants().anyMatch(h -> Long.toString(h.pid()).equals(pid));
    }

    /** Best effort: the process is gone and a leftover temp dir harms nobody. */
    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // See above.
        }
    }

    /** The last lines of the server's log and console output, to explain a failed start. */
    private static String logTail(Path dir) {
        StringBuilder sb = new StringBuilder();
        for (String name : List.of(CONSOLEFILE, LOGFILE)) {
            List<String> lines = tail(dir.resolve(name), LOG_TAIL_LINES);
            if (!lines.isEmpty()) {
                sb.append("\n--- last lines of ").append(dir.resolve(name)).append(" ---");
                lines.forEach(l -> sb.append('\n').append(l));
            }
        }
        return sb.length() == 0 ? "\n(redis-server wrote nothing to " + dir + ")" : sb.toString();
    }

    private static List<String> tail(Path file, int maxLines) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long length = f.length();
            int n = (int) Math.min(length, 16 * 1024);
            byte[] bytes = new byte[n];
            f.seek(length - n);
            f.readFully(bytes);
            List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines()
                    .filter(l -> !l.isBlank())
                    .collect(Collectors.toList());
            return lines.subList(Math.max(0, lines.size() - maxLines), lines.size());
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Raised inside {@link Builder#start()} when another process took the port we picked. */
    private static final class PortTaken extends Exception {
        private static final long serialVersionUID = 1L;

        PortTaken(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Configures and starts a {@link LocalRedisServer}. Every setting is optional.
     */
    public static final class Builder {
        // Settings LocalRedisServer relies on to find, reach and clean up the server.
        private static final Set<String> MANAGED =
                Set.of("port", "bind", "dir", "dbfilename", "daemonize", "logfile");

        private final Map<String, String> env;
        private Path binary;
        private Path dir;
        private Path rdb;
        private final List<String> extraArgs = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(60);
        private Duration stopTimeout = Duration.ofSeconds(10);
        private IntSupplier ports = Builder::freePort;

        /** Uses {@code env} instead of the process environment to find redis-server. */
        Builder(Map<String, String> env) {
            this.env = Map.copyOf(env);
        }

        /** The redis-server executable; by default {@link RedisServerBinary#find()}. */
        public Builder binary(Path executable) {
            this.binary = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /**
         * The working directory, created if missing and kept after {@link #close()}; a
         * dump.rdb already there is loaded. By default a new temp dir that close() deletes.
         */
        public Builder dir(Path directory) {
            this.dir = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** An RDB file to load at start; it is copied (never modified) to {@code dir()/dump.rdb}. */
        public Builder rdb(Path rdbFile) {
            this.rdb = Objects.requireNonNull(rdbFile, "rdbFile");
            return this;
        }

        /**
         * A config directive passed on the command line after the defaults, so it overrides
         * them: {@code config("list-max-listpack-size", "4")}, {@code config("rdbcompression",
         * "no")}, {@code config("appendonly", "yes")}, {@code config("save", "")}.
         *
         * @throws IllegalArgumentException for port, bind, dir, dbfilename, daemonize and
         *     logfile, which the server needs as they are (use {@link #dir} for the directory)
         */
        public Builder config(String name, String... values) {
            String bare = name.startsWith("--") ? name.substring(2) : name;
            if (bare.isEmpty() || bare.chars().anyMatch(Character::isWhitespace)) {
                throw new IllegalArgumentException("not a config directive name: '" + name + "'");
            }
            if (MANAGED.contains(bare.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("config '" + bare + "' is set by LocalRedisServer itself"
                        + ("dir".equals(bare) ? "; use Builder.dir(...)" : "; read it from the server instead"));
            }
            extraArgs.add("--" + bare);
            for (String v : values) {
                extraArgs.add(Objects.requireNonNull(v, "config value"));
            }
            return this;
        }

        /** How long to wait for the server to answer and finish loading (default 60 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = requirePositive(timeout);
            return this;
        }

        /** How long close() waits after SHUTDOWN before killing the process (default 10 s). */
        public Builder stopTimeout(Duration timeout) {
            this.stopTimeout = requirePositive(timeout);
            return this;
        }

        /**
         * Listens on this port (e.g. to start a server again where its clients expect it);
         * starting fails if the port is taken. Default: a free port.
         */
        public Builder port(int port) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port " + port + " is not between 1 and 65535");
            }
            this.ports = () -> port;
            return this;
        }

        /** Where ports come from; tests use it to hand out a taken port. */
        Builder ports(IntSupplier portSource) {
            this.ports = Objects.requireNonNull(portSource);
            return this;
        }

        /**
         * Starts the server and waits until it answers PING and has finished loading.
         *
         * @throws IllegalStateException if no redis-server can be found
         * @throws IOException if it cannot be started or does not become ready; the message ends
         *     with the last lines of its log
         */
        public LocalRedisServer start() throws IOException {
            Path exe = binary != null ? binary : RedisServerBinary.find(env)
                    .orElseThrow(() -> new IllegalStateException(RedisServerBinary.NOT_FOUND));
            boolean ownsDir = dir == null;
            Path workDir = ownsDir
                    ? Files.createTempDirectory("redback-redis-")
                    : Files.createDirectories(dir.toAbsolutePath());
            try {
                if (rdb != null) {
                    try {
                        Files.copy(rdb, workDir.resolve(DBFILENAME), StandardCopyOption.REPLACE_EXISTING);
                    } catch (IOException e) {
                        throw new IOException("cannot copy RDB " + rdb + " to " + workDir.resolve(DBFILENAME)
                                + ": " + e, e);
                    }
                }
                PortTaken lastTaken = null;
                for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
                    try {
                        return launch(exe, workDir, ports.getAsInt(), ownsDir);
                    } catch (PortTaken e) {
                        lastTaken = e; // another process grabbed the port between our probe and Redis's bind
                    }
                }
                throw new IOException("redis-server could not listen on a free port of " + HOST + " in "
                        + PORT_ATTEMPTS + " attempts; last: " + lastTaken.getMessage());
            } catch (IOException | RuntimeException | Error e) {
                if (ownsDir) {
                    deleteTree(workDir);
                }
                throw e;
            }
        }

        private LocalRedisServer launch(Path exe, Path workDir, int port, boolean ownsDir)
                throws IOException, PortTaken {
            // Fresh, empty files of our own under both names (Redis appends to its log, so a fresh one
            // explains this attempt only): a link planted in a shared --dir is refused, never written through.
            NewFile.write(workDir.resolve(LOGFILE), new byte[0], NewFile.Mode.DEFAULT);
            NewFile.write(workDir.resolve(CONSOLEFILE), new byte[0], NewFile.Mode.DEFAULT);
            List<String> cmd = new ArrayList<>(List.of(
                    exe.toString(),
                    "--port", Integer.toString(port),
                    "--bind", HOST,
                    "--protected-mode", "yes",
                    "--daemonize", "no",
                    "--dir", workDir.toString(),
                    "--dbfilename", DBFILENAME,
                    "--logfile", workDir.resolve(LOGFILE).toString(),
                    "--save", "",
                    "--appendonly", "no"));
            cmd.addAll(extraArgs);
            Process process;
            try {
                process = new ProcessBuilder(cmd)
                        .directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(workDir.resolve(CONSOLEFILE).toFile())
                        .start();
            } catch (IOException e) {
                throw new IOException("cannot run " + exe + ": " + e.getMessage(), e);
            }
            try {
                process.getOutputStream().close(); // Redis never reads stdin here; do not hold the pipe
                String version = awaitReady(process, port, workDir);
                return new LocalRedisServer(process, port, workDir, ownsDir, version, stopTimeout);
            } catch (IOException | PortTaken | RuntimeException | Error e) {
                try {
                    stop(process, port, Duration.ofSeconds(2));
                } catch (RuntimeException stopFailure) {
                    e.addSuppressed(stopFailure);
                }
                throw e;
            }
        }

        /** Returns the server's redis_version once it is ready. */
        private String awaitReady(Process process, int port, Path workDir) throws IOException, PortTaken {
            long deadline = System.nanoTime() + startTimeout.toNanos();
            String waitingFor = "no answer yet";
            while (true) {
                if (!process.isAlive()) {
                    String tail = logTail(workDir);
                    if (tail.contains("Address already in use") || tail.contains("Failed listening on port")) {
                        throw new PortTaken(HOST + ":" + port + " was taken" + tail);
                    }
                    throw new IOException("redis-server exited with status " + process.exitValue()
                            + " while starting on " + HOST + ":" + port + " in " + workDir + tail);
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("redis-server pid " + process.pid() + " on " + HOST + ":" + port
                            + " was not ready within " + startTimeout.toMillis() + " ms (" + waitingFor
                            + "); raise the start timeout if it is loading a large RDB" + logTail(workDir));
                }
                // A short timeout: a silent listener on our port must not keep us from noticing
                // that our process exited; a slow answer just means another round.
                try (RedisConnection c = new RedisConnection(HOST, port, PROBE_TIMEOUT)) {
                    Map<String, String> server = c.info("server");
                    if (!isOurs(process, server.get("process_id"))) {
                        // Ours will fail to bind and exit; the isAlive check above then retries.
                        waitingFor = "the port is answered by another process, pid " + server.get("process_id");
                    } else {
                        c.call("PING");
                        if ("0".equals(c.info("persistence").get("loading"))) {
                            return server.getOrDefault("redis_version", "unknown");
                        }
                        waitingFor = "still loading the dataset";
                    }
                } catch (RedisErrorReply e) {
                    waitingFor = e.getMessage(); // -LOADING while it reads the RDB
                } catch (IOException e) {
                    waitingFor = e.getMessage();
                }
                try {
                    process.waitFor(25, TimeUnit.MILLISECONDS); // returns at once if it exits
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting for redis-server to start");
                }
            }
        }

        private static int freePort() {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                return s.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot find a free TCP port on " + HOST + ": " + e.getMessage(), e);
            }
        }

        private static Duration requirePositive(Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeout must be positive: " + d);
            }
            return d;
        }
    }
}
