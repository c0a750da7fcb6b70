package io.redback.backup;

import io.redback.redis.RedisAccessException;
import io.redback.redis.RedisAccessException.Reason;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisConnector;
import io.redback.redis.RedisErrorReply;
import io.redback.redis.RedisUri;
import io.redback.redis.ServerIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A snapshot by {@code --method bgsave}, for sources that do not allow replication: BGSAVE
 * ({@code BGSAVE SCHEDULE} while an AOF rewrite or another fork runs), INFO persistence polled
 * every 100 ms until the save has finished, {@code rdb_last_bgsave_status:ok} checked, then the
 * RDB file opened for reading at once (a later BGSAVE renames a new file over it; the open file
 * stays the one just written). The file is on the Redis host, so redback must run there (or
 * share its filesystem). The caller validates the bytes, as it does for a replica transfer:
 * {@link SnapshotWriter#write(String, BgsaveSnapshot)}.
 */
public final class BgsaveSnapshot implements AutoCloseable {
    /** How long a BGSAVE may take unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
    static final long POLL_MILLIS = 100;
    /** How long a scheduled BGSAVE may fail to appear once no other fork is running. */
    private static final long SCHEDULE_GRACE_MILLIS = 3000;

    private final Path file;
    private final InputStream rdb;
    private final long size;
    private final ServerIdentity server;
    private final Instant startedAt;
    private final Instant savedAt;

    private BgsaveSnapshot(Path file, InputStream rdb, long size, ServerIdentity server, Instant startedAt,
                           Instant savedAt) {
        this.file = file;
        this.rdb = rdb;
        this.size = size;
        this.server = server;
        this.startedAt = startedAt;
        this.savedAt = savedAt;
    }

    /** {@link #take(RedisUri, Path, Duration)} with {@link #DEFAULT_TIMEOUT}. */
    public static BgsaveSnapshot take(RedisUri uri, Path rdbFile) throws IOException {
        return take(uri, rdbFile, DEFAULT_TIMEOUT);
    }

    /**
     * Runs BGSAVE on the source, waits for it and opens the file it wrote.
     *
     * @param rdbFile the RDB as this host sees it; null to ask the server (CONFIG GET dir, dbfilename)
     * @param timeout how long to wait for a running save or load to end and ours to finish
     * @throws IOException one line saying what failed and what to do
     */
    public static BgsaveSnapshot take(RedisUri uri, Path rdbFile, Duration timeout) throws IOException {
        Instant startedAt = Instant.now();
        long deadline = System.nanoTime() + timeout.toNanos();
        try (RedisConnection c = RedisConnector.of(uri).connect()) {
            Bgsave save = new Bgsave(uri, c, deadline, timeout);
            ServerIdentity server = ServerIdentity.fromInfo(save.infoOrEmpty("server"));
            Path configured = save.configuredRdbPath();
            Path target = rdbFile != null ? rdbFile : configured;
            if (target == null) {
                throw new IOException("cannot tell where " + uri + " writes its RDB (CONFIG GET is not allowed for this "
                        + "user): give the file with --rdb-file PATH");
            }
            checkSameFile(target, configured); // early, when both files exist already
            long startMillis = save.serverMillis();
            Persistence done = save.run();
            checkSameFile(target, configured); // the save has just created the server's file
            Instant savedAt = Instant.ofEpochSecond(done.lastSaveTime());
            return open(uri, target, configured, startMillis, server, startedAt, savedAt);
        }
    }

    /** Refuses a --rdb-file that is not the server's dir/dbfilename, when both are visible here. */
    private static void checkSameFile(Path given, Path configured) throws IOException {
        if (configured == null || given.equals(configured) || !Files.exists(given) || !Files.exists(configured)) {
            return;
        }
        if (!Files.isSameFile(given, configured)) {
            throw new IOException("--rdb-file " + given + " is not the file the server saves to (" + configured
                    + ", from CONFIG GET dir and dbfilename); give --rdb-file " + configured);
        }
    }

    private static BgsaveSnapshot open(RedisUri uri, Path file, Path configured, long saveStartMillis,
                                       ServerIdentity server, Instant startedAt, Instant savedAt) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new IOException("BGSAVE succeeded on " + uri + " but " + file + " does not exist here: the RDB is "
                    + "written on the Redis host" + (configured != null ? " (at " + configured + ")" : "")
                    + ", so redback must run there (or see the same filesystem) and --rdb-file must name that file", e);
        } catch (IOException e) {
            throw new IOException("cannot read the RDB " + file + " written by BGSAVE on " + uri + ": " + e.getMessage(), e);
        }
        try {
            long size = channel.size(); // of the file we hold open, even if a later save renames another over it
            long modified = Files.getLastModifiedTime(file).toMillis();
            // Two seconds of slack for coarse file-system timestamps; an older file is not our save.
            if (modified < saveStartMillis - 2000) {
                throw new IOException(file + " was last written at " + Instant.ofEpochMilli(modified) + ", before this "
                        + "BGSAVE started (" + Instant.ofEpochMilli(saveStartMillis) + "): it is not the file " + uri
                        + " saves to; give the server's dir/dbfilename with --rdb-file");
            }
            return new BgsaveSnapshot(file, Channels.newInputStream(channel), size, server, startedAt, savedAt);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** The RDB as BGSAVE wrote it; already open, so a later save cannot swap it. */
    public InputStream rdb() {
        return rdb;
    }

    public Path file() {
        return file;
    }

    /** The file's size when it was opened. */
    public long size() {
        return size;
    }

    /** Which server saved the file (unknown when the user may not run INFO server). */
    public ServerIdentity server() {
        return server;
    }

    /** When {@link #take} was called. */
    public Instant startedAt() {
        return startedAt;
    }

    /** The server's rdb_last_save_time after the save (second resolution). */
    public Instant savedAt() {
        return savedAt;
    }

    @Override
    public void close() throws IOException {
        rdb.close();
    }

    /** The INFO persistence fields this needs. {@code saves} is -1 before Redis 7.0 (no rdb_saves). */
    record Persistence(boolean loading, boolean bgsaveInProgress, boolean aofRewriteInProgress, long lastSaveTime,
                       String lastBgsaveStatus, long saves) {
        static Persistence of(Map<String, String> info) {
            return new Persistence("1".equals(info.get("loading")) || "1".equals(info.get("async_loading")),
                    "1".equals(info.get("rdb_bgsave_in_progress")),
                    "1".equals(info.get("aof_rewrite_in_progress")) || "1".equals(info.get("module_fork_in_progress")),
                    number(info, "rdb_last_save_time"), info.getOrDefault("rdb_last_bgsave_status", "unknown"),
                    info.containsKey("rdb_saves") ? number(info, "rdb_saves") : -1);
        }

        private static long number(Map<String, String> info, String field) {
            try {
                return Long.parseLong(info.getOrDefault(field, "-1").trim());
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        /** Whether a save started after {@code before} (rdb_saves counts forks) or finished since (second resolution). */
        boolean savedSince(Persistence before) {
            return saves >= 0 && before.saves >= 0 ? saves > before.saves : lastSaveTime > before.lastSaveTime;
        }
    }

    /** One BGSAVE conversation: start it, then poll until it is over. */
    private static final class Bgsave {
        private final RedisUri uri;
        private final RedisConnection c;
        private final long deadline;
        private final Duration timeout;

        Bgsave(RedisUri uri, RedisConnection c, long deadline, Duration timeout) {
            this.uri = uri;
            this.c = c;
            this.deadline = deadline;
            this.timeout = timeout;
        }

        Persistence run() throws IOException {
            Persistence before = persistence();
            // Ours must start after we were asked: let a load or a running save (someone's BGSAVE,
            // a replica's full sync) finish first.
            while (before.loading() || before.bgsaveInProgress()) {
                pause(before.loading() ? "the server to finish loading its dataset" : "a running BGSAVE to finish");
                before = persistence();
            }
            if (before.saves() < 0) {
                awaitNextSecond(before.lastSaveTime()); // only a later second can tell our save apart
            }
            boolean scheduled = start(before);
            Persistence now = awaitEnd(before, scheduled);
            if (!"ok".equals(now.lastBgsaveStatus())) {
                throw new IOException("BGSAVE failed on the server (rdb_last_bgsave_status:" + now.lastBgsaveStatus()
                        + ") at " + uri + ": check the server log (disk full? fork failed?)");
            }
            if (now.lastSaveTime() < before.lastSaveTime()
                    || (before.saves() < 0 && now.lastSaveTime() == before.lastSaveTime())) {
                throw new IOException("BGSAVE ended at " + uri + " but rdb_last_save_time did not move past "
                        + before.lastSaveTime() + " (now " + now.lastSaveTime() + "): the save did not happen; check the server log");
            }
            return now;
        }

        /** Returns whether the save was scheduled (to run when another fork ends) rather than started. */
        private boolean start(Persistence before) throws IOException {
            while (true) {
                String reply;
                try {
                    reply = before.aofRewriteInProgress() ? c.callString("BGSAVE", "SCHEDULE") : c.callString("BGSAVE");
                } catch (RedisErrorReply e) {
                    if (e.code().equals("NOPERM")) {
                        throw new RedisAccessException(Reason.PERMISSION, userLabel() + " may not run BGSAVE at " + uri
                                + ": grant +bgsave +info (and +config|get so that redback can check the RDB path)");
                    }
                    if (e.getMessage().contains("SCHEDULE")) { // another child (an AOF rewrite) is active
                        reply = c.callString("BGSAVE", "SCHEDULE");
                    } else if (e.getMessage().contains("already in progress")) { // a fork started since we looked
                        pause("a running BGSAVE to finish");
                        before = persistence();
                        continue;
                    } else {
                        throw new IOException("BGSAVE refused at " + uri + ": " + e.getMessage());
                    }
                }
                if (reply != null && reply.contains("scheduled")) {
                    return true;
                }
                if (reply != null && reply.contains("started")) {
                    return false;
                }
                throw new IOException("unexpected BGSAVE reply from " + uri + ": " + reply);
            }
        }

        private Persistence awaitEnd(Persistence before, boolean scheduled) throws IOException {
            boolean ours = !scheduled; // a started BGSAVE has forked before its reply
            long idleSince = -1;
            while (true) {
                Persistence p = persistence();
                ours |= p.savedSince(before) || (scheduled && p.bgsaveInProgress() && !p.aofRewriteInProgress());
                if (ours && !p.bgsaveInProgress()) {
                    return p;
                }
                if (!ours && !p.bgsaveInProgress() && !p.aofRewriteInProgress()) {
                    // Redis starts a scheduled save within a cron tick of the other fork ending.
                    long now = System.nanoTime();
                    if (idleSince < 0) {
                        idleSince = now;
                    } else if (now - idleSince > SCHEDULE_GRACE_MILLIS * 1_000_000) {
                        throw new IOException("the scheduled BGSAVE did not run at " + uri + " (rdb_last_bgsave_status:"
                                + p.lastBgsaveStatus() + "): check the server log (disk full? fork failed?)");
                    }
                } else {
                    idleSince = -1;
                }
                pause(scheduled && !ours ? "the AOF rewrite to end and the scheduled BGSAVE to run" : "BGSAVE to finish");
            }
        }

        private void awaitNextSecond(long lastSaveTime) throws IOException {
            while (serverMillis() / 1000 <= lastSaveTime) {
                pause("the server clock to pass the last save time");
            }
        }

        Persistence persistence() throws IOException {
            try {
                return Persistence.of(c.info("persistence"));
            } catch (RedisErrorReply e) {
                throw new RedisAccessException(Reason.PERMISSION, userLabel() + " may not run INFO at " + uri
                        + " (" + e.getMessage() + "): --method bgsave needs +info +bgsave");
            }
        }

        Map<String, String> infoOrEmpty(String section) throws IOException {
            try {
                return c.info(section);
            } catch (RedisErrorReply e) {
                return Map.of();
            }
        }

        /** dir/dbfilename from CONFIG GET, or null when the user may not ask. */
        Path configuredRdbPath() throws IOException {
            try {
                String dir = configValue("dir");
                String name = configValue("dbfilename");
                return dir == null || name == null ? null : Path.of(dir).resolve(name);
            } catch (RedisErrorReply e) {
                return null;
            }
        }

        private String configValue(String name) throws IOException {
            Object reply = c.call("CONFIG", "GET", name);
            if (reply instanceof List<?> items && items.size() == 2 && items.get(1) instanceof byte[] value) {
                return new String(value, StandardCharsets.UTF_8);
            }
            return null;
        }

        /** The server's clock (TIME), in unix milliseconds; the local clock if TIME is not allowed. */
        long serverMillis() throws IOException {
            try {
                if (c.call("TIME") instanceof List<?> t && t.size() == 2
                        && t.get(0) instanceof byte[] s && t.get(1) instanceof byte[] us) {
                    return Long.parseLong(new String(s, StandardCharsets.US_ASCII)) * 1000
                            + Long.parseLong(new String(us, StandardCharsets.US_ASCII)) / 1000;
                }
            } catch (RedisErrorReply | NumberFormatException e) {
                // Same host, same clock: the local one will do.
            }
            return System.currentTimeMillis();
        }

        private void pause(String waitingFor) throws IOException {
            if (System.nanoTime() > deadline) {
                throw new IOException("gave up after " + timeout.toSeconds() + " s waiting for " + waitingFor + " at "
                        + uri + "; raise the timeout for large datasets");
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + waitingFor);
            }
        }

        private String userLabel() {
            return uri.username() == null ? "the default user" : "user '" + uri.username() + "'";
        }
    }
}
