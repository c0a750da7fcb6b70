package io.redback.cli;

import io.redback.repo.Quantities;
import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisServerBinary;
import io.redback.redis.RedisUri;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code redback demo}: the whole product on one screen. Starts a throwaway redis-server,
 * writes a dataset shaped like the ones our users protect (sessions, job queues, rate limits,
 * locks, leaderboards, an audit stream, a function library), backs it up, checks and inspects
 * the RDB, undoes a FLUSHALL twice (from the server's AOF, then from the log redback stream
 * shipped) and repairs a torn AOF.
 */
@Command(name = "demo",
        description = {"Run an end-to-end demo against a throwaway local redis-server: write a varied sample "
                + "dataset (sessions, queues, rate limits, locks, leaderboard, audit stream, functions, three "
                + "databases), SAVE it, back it up to a local repository, list and restore it, check and "
                + "inspect the RDB; then turn the AOF on, write orders, run "
                + "FLUSHALL by accident, find it with 'aof log', cut the log just before it with 'aof cut', start "
                + "redis-server on the cut log to show the keys back, tear the log's last write and repair it "
                + "with 'check --fix'; then run 'stream' into the repository, write orders (MULTI/EXEC) until "
                + "WAIT and the repository confirm them, run FLUSHALL by accident again, find it with 'log', "
                + "restore the moment before it with 'restore --before FLUSHALL', start redis-server on the "
                + "result to show the keys back, stop the stream and show 'status'.",
                "",
                "Needs redis-server on PATH or named by REDBACK_REDIS_SERVER. The servers listen on 127.0.0.1 "
                        + "only, on free ports, and are stopped at the end."},
        mixinStandardHelpOptions = true,
        footer = {"", "Exit codes: 0 the demo ran and every check passed, 1 a step found a problem (the RDB "
                + "reported damaged, keys not back after a restore), 2 redis-server missing or failed."})
public final class DemoCommand implements Callable<Integer> {
    /** Short, so the demo waits little for the repository; `redback stream` defaults to 1s. */
    private static final String STREAM_FLUSH = "100ms";
    private static final int SHOP_ORDERS = 100;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = "redback-demo",
            description = "Where to keep the demo's files: dump.rdb, repo, restored-rdb, appendonlydir, restored, "
                    + "before-flushall (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--scale", paramLabel = "N", defaultValue = "1",
            description = "Multiply the dataset size (default: ${DEFAULT-VALUE}: about 8,400 keys).")
    int scale;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = Terminal.out(spec);
        Path binary = RedisServerBinary.require(Main.env(spec));
        Files.createDirectories(out);
        Path work = out.toAbsolutePath();
        o.printf("== 1. starting a throwaway redis-server (%s)%n", binary);
        o.flush();
        Path rdb = work.resolve("dump.rdb");
        Path aofCopy = work.resolve("appendonlydir");
        int failures = 0;
        // No 5-second wait for more replicas before the diskless transfer of the backup.
        try (LocalRedisServer server = LocalRedisServer.builder().binary(binary)
                .config("repl-diskless-sync-delay", "0").start();
             RedisConnection redis = server.connect()) {
            o.printf("   redis %s listening on %s, data dir %s%n", server.version(), server.uri(), server.dir());
            o.printf("== 2. writing a sample dataset%n");
            o.flush();
            long started = System.nanoTime();
            SampleData.write(redis, scale);
            o.printf("   %s keys in db0, %s in db1, %s in db2 (%.1f s)%n", dbsize(redis, 0), dbsize(redis, 1),
                    dbsize(redis, 2), (System.nanoTime() - started) / 1e9);
            o.printf("== 3. SAVE%n");
            redis.call("SELECT", "0");
            redis.call("SAVE");
            Files.copy(server.rdbFile(), rdb, StandardCopyOption.REPLACE_EXISTING);
            o.printf("   %s (%,d bytes)%n", rdb, Files.size(rdb));
            Path repo = work.resolve("repo");
            deleteDir(repo);
            failures += step(o, "3a", "redback backup --redis " + server.uri() + " --repo " + repo,
                    "backup", "--redis", server.uri().toString(), "--name", "demo", "--repo", repo.toString());
            failures += step(o, "3b", "redback list --repo " + repo, "list", "--repo", repo.toString());
            Path restoredRdb = work.resolve("restored-rdb");
            failures += step(o, "3c", "redback restore --snapshot latest --to-dir " + restoredRdb,
                    "restore", "--snapshot", "latest", "--name", "demo", "--force", "--to-dir", restoredRdb.toString(),
                    "--repo", repo.toString());

            o.printf("== 4. turning the AOF on (with #TS timestamps), more writes, then FLUSHALL by accident%n");
            redis.call("CONFIG", "SET", "aof-timestamp-enabled", "yes");
            redis.call("CONFIG", "SET", "appendfsync", "always");
            redis.call("CONFIG", "SET", "appendonly", "yes");
            waitForRewrite(redis);
            SampleData.writeOrders(redis);
            long keysBeforeAccident = redis.callLong("DBSIZE");
            redis.call("FLUSHALL");
            redis.call("SET", "after:the:accident", "1");
            o.printf("   db0 had %,d keys before FLUSHALL, %s after%n", keysBeforeAccident, dbsize(redis, 0));
            copyDir(server.dir().resolve("appendonlydir"), aofCopy);
            failures += filesPart(o, binary, work, rdb, aofCopy, keysBeforeAccident);
            failures += pointInTimePart(o, binary, server, redis, work, repo);
        }
        o.printf("%nTry it on your own files: bin/redback check /var/lib/redis/dump.rdb (add --json for scripts),%n"
                + "bin/redback check /var/lib/redis/appendonlydir, bin/redback aof log --grep FLUSHALL <dir>.%n"
                + "Protect a server: bin/redback stream --redis redis://HOST:6379 --repo /backups/redis; then status,%n"
                + "log --grep FLUSHALL and restore --at TIME --to-dir DIR, each with the same --repo.%n");
        o.flush();
        return failures == 0 ? Main.OK : Main.PROBLEM;
    }

    /** Steps 5-12, on files: check and inspect the RDB, find and cut the FLUSHALL in the AOF, fix a torn tail. */
    private int filesPart(PrintWriter o, Path binary, Path work, Path rdb, Path aofCopy, long keysBeforeAccident)
            throws Exception {
        o.printf("== 5. redback check %s%n", rdb);
        RdbCheckReport report = new RdbCheck(rdb, System.currentTimeMillis()).run();
        CheckCommand.printHuman(report, o, false);
        int failures = report.verdict() == RdbCheckReport.Verdict.VALID ? 0 : 1;
        failures += step(o, "6", "redback inspect --top 5 " + rdb, "inspect", "--top", "5", "--quiet", rdb.toString());
        failures += step(o, "7", "redback aof log --grep FLUSHALL " + aofCopy, "aof", "log", "--grep", "FLUSHALL",
                aofCopy.toString());
        Path restored = work.resolve("restored");
        failures += step(o, "8", "redback aof cut --before FLUSHALL --out " + restored + " " + aofCopy,
                "aof", "cut", "--before", "FLUSHALL", "--force", "--out", restored.toString(), aofCopy.toString());
        o.printf("== 9. starting redis-server on the cut log: the keys are back%n");
        try (LocalRedisServer back = LocalRedisServer.builder().binary(binary).dir(work)
                .config("appendonly", "yes").config("appenddirname", "restored").start();
             RedisConnection redis = back.connect()) {
            long n = redis.callLong("DBSIZE");
            o.printf("   db0 holds %,d keys (it had %,d before the FLUSHALL)%n", n, keysBeforeAccident);
            failures += n == keysBeforeAccident ? 0 : 1;
        }
        Path incr = lastIncr(restored);
        long size = Files.size(incr);
        try (var ch = java.nio.channels.FileChannel.open(incr, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(size - 7);
        }
        o.printf("== 10. a crash tore the last write: %s lost its last 7 bytes%n", incr.getFileName());
        int torn = step(o, "11", "redback check " + restored, "check", restored.toString());
        failures += torn == Main.PROBLEM ? 0 : 1;
        failures += step(o, "12", "redback check --fix " + restored, "check", "--fix", restored.toString());
        return failures;
    }

    /**
     * Steps 13-20: the same accident with redback stream running. Every write reaches the
     * repository within the flush interval, so the restore needs no AOF on the server and loses
     * nothing: the keys come back as they were just before the FLUSHALL.
     */
    private int pointInTimePart(PrintWriter o, Path binary, LocalRedisServer source, RedisConnection redis,
                                Path work, Path repo) throws Exception {
        Path spool = work.resolve("spool");
        Path beforeFlushall = work.resolve("before-flushall");
        deleteDir(spool);
        deleteDir(beforeFlushall);
        int failures = 0;
        o.printf("== 13. redback stream --redis %s --name demo --repo %s --spool %s --flush-interval %s &%n",
                source.uri(), repo, spool, STREAM_FLUSH);
        o.flush();
        try (DemoStream stream = new DemoStream(RedisUri.parse(source.uri().toString()), "demo", repo, spool,
                Quantities.duration("--flush-interval", STREAM_FLUSH), o)) {
            stream.awaitTimeline();
            o.printf("== 14. orders come in, each a MULTI/EXEC, and sessions; WAIT 1 until redback has them%n");
            SampleData.writeShop(redis, 1001, SHOP_ORDERS);
            long keysBefore = redis.callLong("DBSIZE");
            String countBefore = redis.callString("GET", "orders:count");
            long acked = redis.callLong("WAIT", "1", "5000");
            long offset = masterOffset(redis);
            long waited = stream.awaitCommitted(offset);
            o.printf("   db0 holds %,d keys, orders:count is %s%n", keysBefore, countBefore);
            o.printf("   WAIT 1 5000 -> %d: %s; the repository held offset %d %d ms later%n", acked,
                    acked > 0 ? "redback acknowledged" : "no acknowledgement within 5 s", offset, waited);
            o.printf("== 15. someone runs FLUSHALL by accident; the app writes on%n");
            redis.call("FLUSHALL");
            o.printf("   FLUSHALL; DBSIZE -> %d%n", redis.callLong("DBSIZE"));
            SampleData.writeShop(redis, 1001 + SHOP_ORDERS, 2);
            redis.callLong("WAIT", "1", "5000");
            stream.awaitCommitted(masterOffset(redis));
            o.printf("   2 new orders: DBSIZE -> %d, orders:count is %s%n", redis.callLong("DBSIZE"),
                    redis.callString("GET", "orders:count"));
            failures += step(o, "16", "redback log --name demo --grep FLUSHALL --repo " + repo,
                    "log", "--name", "demo", "--grep", "FLUSHALL", "--repo", repo.toString());
            failures += step(o, "17", "redback restore --name demo --before 'FLUSHALL' --to-dir " + beforeFlushall
                    + " --repo " + repo, "restore", "--name", "demo", "--before", "FLUSHALL",
                    "--to-dir", beforeFlushall.toString(), "--repo", repo.toString());
            failures += keysBack(o, binary, beforeFlushall, keysBefore, countBefore);
            o.printf("== 19. Ctrl-C stops redback stream: the open segment is spooled and the spool drained%n");
            o.flush();
            stream.stop();
        }
        deleteDir(spool); // empty once drained; left behind, it would tie the next demo to this timeline
        // After the stop, not before: a running stream rewrites its status about once a second, so a
        // status taken a moment after it started could show older offsets; a stopped one is exact.
        failures += step(o, "20", "redback status --name demo --repo " + repo,
                "status", "--name", "demo", "--repo", repo.toString());
        return failures;
    }

    /** Step 18: Redis's own loader on the restored directory; 0 when the keys are those before the accident. */
    private static int keysBack(PrintWriter o, Path binary, Path dir, long keysBefore, String countBefore)
            throws IOException {
        o.printf("== 18. redis-server --dir %s --appendonly yes --appenddirname appendonlydir: the keys are back%n",
                dir);
        o.flush();
        try (LocalRedisServer back = LocalRedisServer.builder().binary(binary).dir(dir)
                .config("appendonly", "yes").config("appenddirname", "appendonlydir").start();
             RedisConnection redis = back.connect()) {
            long keys = redis.callLong("DBSIZE");
            String count = redis.callString("GET", "orders:count");
            o.printf("   db0 holds %,d keys again, orders:count is %s (before the FLUSHALL: %,d keys, %s)%n",
                    keys, count, keysBefore, countBefore);
            return keys == keysBefore && countBefore.equals(count) ? 0 : 1;
        }
    }

    /** The source's replication offset: what the repository must hold for redback to have every write so far. */
    private static long masterOffset(RedisConnection redis) throws IOException {
        return Long.parseLong(redis.info("replication").get("master_repl_offset"));
    }

    /** Runs one redback command as a demo step, printing its output; returns its exit code (0 ok). */
    private int step(PrintWriter o, String number, String title, String... args) {
        o.printf("== %s. %s%n", number, title);
        o.flush();
        // The demo's environment, not the process's: it names the redis-server the steps may start.
        return Main.commandLine(Main.env(spec)).setOut(o).setErr(spec.commandLine().getErr()).execute(args);
    }

    private static void waitForRewrite(RedisConnection redis) throws java.io.IOException, InterruptedException {
        for (int i = 0; i < 300; i++) {
            java.util.Map<String, String> info = redis.info("persistence");
            if ("0".equals(info.get("aof_rewrite_in_progress")) && "0".equals(info.get("aof_rewrite_scheduled"))) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("the AOF rewrite did not finish within 30 s");
    }

    private static Path lastIncr(Path dir) throws java.io.IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".incr.aof")).sorted()
                    .reduce((a, b) -> b).orElseThrow(() -> new IllegalStateException("no incr file in " + dir));
        }
    }

    private static void deleteDir(Path dir) throws java.io.IOException {
        if (Files.exists(dir)) {
            try (var old = Files.walk(dir)) {
                for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static void copyDir(Path from, Path to) throws java.io.IOException {
        deleteDir(to);
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }

    private static String dbsize(RedisConnection redis, int db) throws java.io.IOException {
        redis.call("SELECT", Integer.toString(db));
        return String.format("%,d", redis.callLong("DBSIZE"));
    }
}
