package io.redback.cli;

import io.redback.rdb.RdbCheck;
import io.redback.rdb.RdbCheckReport;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.redis.RedisServerBinary;
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
 * locks, leaderboards, an audit stream, a function library), saves it and checks the RDB.
 */
@Command(name = "demo",
        description = {"Run an end-to-end demo against a throwaway local redis-server: write a varied sample "
                + "dataset (sessions, queues, rate limits, locks, leaderboard, audit stream, functions, three "
                + "databases), SAVE it, then check and inspect the RDB with redback.",
                "",
                "Needs redis-server on PATH or named by REDBACK_REDIS_SERVER. The server listens on 127.0.0.1 "
                        + "only, on a free port, and is stopped at the end."},
        mixinStandardHelpOptions = true,
        footer = {"", "Exit codes: 0 the demo ran and the RDB is valid, 1 the RDB was reported damaged, "
                + "2 redis-server missing or failed."})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", defaultValue = "redback-demo",
            description = "Where to keep the demo's RDB file (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--scale", paramLabel = "N", defaultValue = "1",
            description = "Multiply the dataset size (default: ${DEFAULT-VALUE}: about 20,000 keys).")
    int scale;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter o = spec.commandLine().getOut();
        Path binary = RedisServerBinary.require();
        o.printf("== 1. starting a throwaway redis-server (%s)%n", binary);
        o.flush();
        Path rdb;
        try (LocalRedisServer server = LocalRedisServer.builder().binary(binary).start();
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
            Files.createDirectories(out);
            rdb = out.resolve("dump.rdb");
            Files.copy(server.rdbFile(), rdb, StandardCopyOption.REPLACE_EXISTING);
            o.printf("   %s (%,d bytes), server stopped after this step%n", rdb, Files.size(rdb));
        }
        o.printf("== 4. redback check %s%n", rdb);
        RdbCheckReport report = new RdbCheck(rdb, System.currentTimeMillis()).run();
        CheckCommand.printHuman(report, o, false);
        o.printf("== 5. redback inspect %s --top 5%n", rdb);
        o.flush();
        int inspect = new CommandLine(new InspectCommand()).setOut(o).setErr(spec.commandLine().getErr())
                .execute("--top", "5", "--quiet", rdb.toString());
        o.printf("%nTry it on your own files: bin/redback check /var/lib/redis/dump.rdb (add --json for scripts).%n");
        o.flush();
        return report.verdict() == RdbCheckReport.Verdict.VALID && inspect == Main.OK ? Main.OK : Main.PROBLEM;
    }

    private static String dbsize(RedisConnection redis, int db) throws java.io.IOException {
        redis.call("SELECT", Integer.toString(db));
        return String.format("%,d", redis.callLong("DBSIZE"));
    }
}
