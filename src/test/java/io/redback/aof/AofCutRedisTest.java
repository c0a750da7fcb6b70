package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runbook tests: cuts loaded by a real redis-server hold exactly the data of the moment
 * before the cut, and {@code --at} cuts byte for byte where redis-check-aof does.
 */
@io.redback.testsupport.Slow
class AofCutRedisTest {
    private static final String INCR = "appendonly.aof.1.incr.aof";

    @TempDir
    Path tmp;

    // ---------------------------------------------------------------- redis-check-aof as the oracle

    @Test
    void atCutsTheFixturesExactlyWhereRedisCheckAofTruncateToTimestampDoes() throws Exception {
        Optional<Path> rca = RedisCheckAof.binary();
        assumeTrue(rca.isPresent(), "redis-check-aof is not on PATH");
        List<Path> dirs;
        try (Stream<Path> s = Files.list(Fixtures.root())) {
            dirs = s.map(r -> r.resolve("appendonlydir")).filter(Files::isDirectory).sorted().toList();
        }
        assertThat(dirs).isNotEmpty();
        int compared = 0;
        for (Path dir : dirs) {
            List<Long> stamps = stamps(dir.resolve(INCR));
            for (long ts : List.of(stamps.get(0), stamps.get(stamps.size() - 1))) {
                Path copy = Files.copy(dir.resolve(INCR), tmp.resolve("copy-" + compared + ".aof"));
                int rc = run(rca.get(), "--truncate-to-timestamp", Long.toString(ts), copy.toString());
                assertThat(rc).as("redis-check-aof on %s at %d", dir, ts).isZero();
                Path out = tmp.resolve("cut-" + compared);
                CutReport r = AofCutter.cut(dir, new CutPoint.At(ts), out, false);
                assertThat(Files.readAllBytes(out.resolve(INCR))).as("%s --at %d", dir, ts)
                        .isEqualTo(Files.readAllBytes(copy));
                assertThat(Files.readAllBytes(out.resolve("appendonly.aof.1.base.rdb")))
                        .isEqualTo(Files.readAllBytes(dir.resolve("appendonly.aof.1.base.rdb")));
                assertThat(r.kept().lastTime()).isLessThanOrEqualTo(ts);
                compared++;
            }
        }
        // On its own manifest (7.0.15 reads that release's RDB base): the same bytes again.
        Path dir = Fixtures.root().resolve("redis-7.0.15-debian/appendonlydir");
        Path copy = tmp.resolve("manifest-copy");
        copyDir(dir, copy);
        long ts = stamps(dir.resolve(INCR)).get(0);
        assertThat(run(rca.get(), "--truncate-to-timestamp", Long.toString(ts),
                copy.resolve("appendonly.aof.manifest").toString())).isZero();
        AofCutter.cut(dir, new CutPoint.At(ts), tmp.resolve("manifest-cut"), false);
        assertThat(Files.readAllBytes(tmp.resolve("manifest-cut").resolve(INCR)))
                .isEqualTo(Files.readAllBytes(copy.resolve(INCR)));
        assertThat(compared).isGreaterThanOrEqualTo(2 * dirs.size());
    }

    private static List<Long> stamps(Path aof) throws IOException {
        List<Long> out = new ArrayList<>();
        for (String line : new String(Files.readAllBytes(aof), StandardCharsets.ISO_8859_1).split("\n")) {
            if (line.startsWith("#TS:")) {
                out.add(Long.parseLong(line.substring(4).trim()));
            }
        }
        return out;
    }

    private static int run(Path exe, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(exe.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("redis-check-aof did not finish");
        }
        return p.exitValue();
    }

    private static void copyDir(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path p : s.toList()) {
                Files.copy(p, to.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    // ---------------------------------------------------------------- a real server, a real FLUSHALL

    @Test
    void cutBeforeFlushallBringsBackExactlyTheDataBeforeIt() throws Exception {
        Path data = tmp.resolve("data");
        try (LocalRedisServer redis = TestRedis.server().dir(data)
                .config("appendonly", "yes").config("aof-timestamp-enabled", "yes").config("appendfsync", "always")
                .start();
             RedisConnection c = redis.connect()) {
            for (int second = 0; second < 3; second++) {
                for (int db = 0; db < 3; db++) {
                    c.call("SELECT", Integer.toString(db));
                    for (int i = 0; i < 20; i++) {
                        c.call("SET", "k:" + second + ":" + i, "v" + db);
                        c.call("HSET", "h:" + db, "f" + i, Integer.toString(second));
                    }
                    c.call("RPUSH", "list", "s" + second);
                    c.call("EXPIREAT", "k:" + second + ":0", Long.toString(System.currentTimeMillis() / 1000 + 86400));
                    c.call("MULTI");
                    c.call("INCR", "counter");
                    c.call("ZADD", "z", Integer.toString(second), "m" + db);
                    c.call("EXEC");
                }
                nextSecond();
            }
            c.call("SELECT", "0");
            c.call("FLUSHALL");
            c.call("SELECT", "2");
            c.call("SET", "after", "flush");
            c.call("RPUSH", "list", "late");
        }
        Path source = data.resolve("appendonlydir");
        List<Long> stamps = stamps(source.resolve(INCR));
        assertThat(stamps).as("#TS annotations over several seconds").hasSizeGreaterThanOrEqualTo(3);

        CutReport r = AofCutter.cut(source, new CutPoint.Before(CommandPattern.parse("FLUSHALL"), -1),
                tmp.resolve("cut/appendonlydir"), false);
        assertThat(r.cut().matched().command()).isEqualTo("FLUSHALL");
        assertThat(r.dropped().commands()).isEqualTo(4);
        assertThat(r.kept().transactions()).isEqualTo(9);

        String cut = digestOfAofDir(tmp.resolve("cut"));
        String reference = digestOfReplay(source, cmd -> cmd.is("FLUSHALL"));
        assertThat(cut).isEqualTo(reference).isNotEqualTo("0".repeat(40));

        // --at the second-but-last stamp: the same as replaying what was annotated at or before it
        long at = stamps.get(stamps.size() - 2);
        AofCutter.cut(source, new CutPoint.At(at), tmp.resolve("at/appendonlydir"), false);
        assertThat(digestOfAofDir(tmp.resolve("at"))).isEqualTo(digestOfReplay(source, cmd -> cmd.time() > at));
    }

    private static void nextSecond() throws InterruptedException {
        long now = System.currentTimeMillis();
        Thread.sleep(1000 - now % 1000 + 20); // time must pass: the next writes get a later #TS second
    }

    /** DEBUG DIGEST of a redis-server started on {@code parent/appendonlydir}. */
    private static String digestOfAofDir(Path parent) throws IOException {
        try (LocalRedisServer redis = TestRedis.server().dir(parent).config("appendonly", "yes")
                .config("appenddirname", "appendonlydir").config("enable-debug-command", "yes").start();
             RedisConnection c = redis.connect()) {
            return c.callString("DEBUG", "DIGEST");
        }
    }

    /**
     * DEBUG DIGEST of a fresh server (started from the base) that received, one by one, the
     * commands of the source's incr files up to the first one that {@code stop} accepts.
     */
    private static String digestOfReplay(Path appendonlydir, Predicate<AofCommand> stop) throws Exception {
        AofManifest m = AofManifest.read(appendonlydir.resolve("appendonly.aof.manifest"));
        LocalRedisServer.Builder b = TestRedis.server().config("enable-debug-command", "yes");
        if (m.base() != null && m.base().name().endsWith(".rdb")) {
            b.rdb(m.pathOf(m.base()));
        }
        try (LocalRedisServer redis = b.start(); RedisConnection c = redis.connect()) {
            for (AofManifest.Entry e : m.incrs()) {
                c.call("SELECT", "0"); // Redis loads every file with a fresh client
                try (AofReader r = AofReader.open(m.pathOf(e))) {
                    while (r.next() != AofReader.Event.END) {
                        if (r.event() != AofReader.Event.COMMAND) {
                            continue;
                        }
                        AofCommand cmd = r.command();
                        if (stop.test(cmd)) {
                            return c.callString("DEBUG", "DIGEST");
                        }
                        Object[] args = new Object[cmd.argCount()];
                        for (int i = 0; i < args.length; i++) {
                            args[i] = cmd.arg(i);
                        }
                        c.call(args);
                    }
                }
            }
            return c.callString("DEBUG", "DIGEST");
        }
    }
}
