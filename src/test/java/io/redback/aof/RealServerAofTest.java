package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.TestRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Transaction;
import redis.clients.jedis.commands.ProtocolCommand;

/**
 * The runbook "the AOF on disk is damaged" against AOFs a real redis-server wrote while three
 * clients wrote concurrently (transactions, several databases, a function library and FCALL),
 * with {@code appendfsync always} and {@code #TS} annotations: check says valid; a torn tail or a
 * corrupt byte is found; after {@code --fix} (or {@code --fix --force}) Redis itself loads the
 * directory with {@code aof-load-truncated no}, and its DEBUG DIGEST equals that of a server
 * that was sent exactly the commands the fix kept.
 */
@io.redback.testsupport.Slow
class RealServerAofTest {
    private static final String INCR = "appendonly.aof.1.incr.aof";
    private static final String LIBRARY = "#!lua name=ledger\n"
            + "redis.register_function('credit', function(keys, args)\n"
            + "  redis.call('HINCRBY', keys[1], 'balance', args[1])\n"
            + "  return redis.call('RPUSH', keys[2], args[1])\n"
            + "end)";

    @TempDir
    static Path work;

    /** The appendonlydir the server wrote, copied after the writers stopped. */
    static Path written;
    static String writtenDigest;
    static byte[] incr;
    static TinyAof.Parsed parsed;

    @BeforeAll
    static void aServerWritesAnAofUnderConcurrentLoad() throws Exception {
        try (LocalRedisServer redis = server().config("appendonly", "yes").config("aof-timestamp-enabled", "yes")
                .config("appendfsync", "always").start()) {
            try (Jedis j = new Jedis(redis.host(), redis.port())) {
                j.functionLoad(LIBRARY);
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<?>> writers = new ArrayList<>();
                for (int w = 0; w < 3; w++) {
                    int id = w;
                    writers.add(pool.submit(() -> write(redis, id)));
                }
                for (Future<?> f : writers) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            writtenDigest = digest(redis);
            written = copyTree(redis.dir().resolve("appendonlydir"), work.resolve("written/appendonlydir"));
        }
        incr = Files.readAllBytes(written.resolve(INCR));
        parsed = TinyAof.parse(incr, 0);
    }

    /** One client's writes for a bit over a second (so that #TS annotations change), in its own db. */
    private static Void write(LocalRedisServer redis, int id) {
        Random random = new Random(id);
        long until = System.nanoTime() + 1_200_000_000L;
        try (Jedis j = new Jedis(redis.host(), redis.port())) {
            j.select(id);
            // Time, not a count, ends the loop (a fast machine does 2,000 writes within one second);
            // the cap only bounds the AOF.
            for (int i = 0; i < 50_000 && (i < 200 || System.nanoTime() < until); i++) {
                String k = "w" + id + ":" + (i % 50);
                switch (i % 7) {
                    case 0 -> j.set(k, "v" + random.nextInt(1000));
                    case 1 -> j.incr("w" + id + ":counter");
                    case 2 -> j.rpush("w" + id + ":list", "item" + i);
                    case 3 -> j.hset("w" + id + ":hash", "f" + (i % 20), Integer.toString(i));
                    case 4 -> {
                        Transaction t = j.multi();
                        t.set(k, "tx" + i);
                        t.incrBy("w" + id + ":counter", 10);
                        t.sadd("w" + id + ":set", "m" + (i % 30));
                        t.exec();
                    }
                    case 5 -> j.fcall("credit", List.of("w" + id + ":acct", "w" + id + ":ledger"), List.of("5"));
                    default -> {
                        j.select(3);
                        j.zadd("shared:z", i, "w" + id + ":" + i);
                        j.select(id);
                    }
                }
            }
        }
        return null;
    }

    private static LocalRedisServer.Builder server() {
        return TestRedis.server().config("enable-debug-command", "yes");
    }

    private static String digest(LocalRedisServer redis) throws IOException {
        try (RedisConnection c = redis.connect()) {
            return c.callString("DEBUG", "DIGEST");
        }
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.collect(Collectors.toList())) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return to;
    }

    /** A fresh copy of what the server wrote, as {@code <name>/appendonlydir}, to damage and repair. */
    private static Path copy(String name) throws IOException {
        return copyTree(written, work.resolve(name).resolve("appendonlydir"));
    }

    /** Redis itself loads the directory, refusing truncated files; returns its DEBUG DIGEST. */
    private static String loadInRedis(Path appendonlydir) throws IOException {
        try (LocalRedisServer redis = server().dir(appendonlydir.getParent()).config("appendonly", "yes")
                .config("aof-load-truncated", "no").start()) {
            return digest(redis);
        }
    }

    /** The digest of a fresh server sent exactly the commands of the original incr file that end by {@code keepTo}. */
    private static String referenceDigest(long keepTo) throws Exception {
        try (LocalRedisServer redis = server().start();
             Jedis j = new Jedis(redis.host(), redis.port());
             AofReader r = AofReader.open(written.resolve(INCR))) {
            Pipeline p = j.pipelined();
            while (r.next() != AofReader.Event.END) {
                if (r.event() != AofReader.Event.COMMAND || r.command().end() > keepTo) {
                    continue;
                }
                AofCommand c = r.command();
                byte[] name = c.arg(0);
                byte[][] args = new byte[c.argCount() - 1][];
                for (int i = 1; i < c.argCount(); i++) {
                    args[i - 1] = c.arg(i);
                }
                ProtocolCommand command = () -> name;
                p.sendCommand(command, args);
            }
            p.sync();
            return digest(redis);
        }
    }

    @Test
    void theAofOfARealServerUnderConcurrentWritersIsValidAndLoadsToTheSameData() throws Exception {
        AofCheckReport r = new AofCheck(written, AofCheck.Input.DIR).run();

        assertThat(r.verdict()).isEqualTo(AofVerdict.VALID);
        assertThat(r.commands()).isEqualTo(parsed.commands().size()).isGreaterThan(600);
        assertThat(r.transactions()).isEqualTo(parsed.commands().stream().filter(c -> c.name().equals("exec")).count())
                .isPositive();
        assertThat(r.commandsPerDb()).containsKeys(0, 1, 2, 3);
        assertThat(r.topCommands()).containsKeys("set", "multi", "exec", "select");
        assertThat(r.lastTime()).isGreaterThan(r.firstTime());
        assertThat(parsed.commands()).anyMatch(c -> c.name().equals("function"));
        assertThat(loadInRedis(copy("whole"))).isEqualTo(writtenDigest);
        assertThat(referenceDigest(Long.MAX_VALUE)).isEqualTo(writtenDigest);
        Optional<Path> rca = RedisCheckAof.binary();
        if (rca.isPresent()) {
            assertThat(RedisCheckAof.check(rca.get(), written.resolve(INCR)).valid()).isTrue();
        }
    }

    @Test
    void aTornTailFixedByCheckLoadsInRedisWithExactlyTheCommandsItKept() throws Exception {
        TinyAof.Cmd multi = parsed.commands().stream().filter(c -> c.name().equals("multi")).skip(3).findFirst()
                .orElseThrow();
        int multiAt = parsed.commands().indexOf(multi);
        TinyAof.Cmd queued = parsed.commands().get(multiAt + 2);
        TinyAof.Cmd exec = parsed.commands().stream().skip(multiAt).filter(c -> c.name().equals("exec")).findFirst()
                .orElseThrow();
        TinyAof.Cmd last = parsed.commands().get(parsed.commands().size() - 1);
        Random random = new Random(7);
        List<Integer> cuts = new ArrayList<>(List.of(queued.start() + 5, multi.end(), exec.end() - 1, last.end() - 1,
                last.start() + 1));
        for (int i = 0; i < 3; i++) {
            cuts.add(random.nextInt(incr.length));
        }
        for (int cutAt : cuts) {
            Path dir = copy("torn-" + cutAt);
            Files.write(dir.resolve(INCR), Arrays.copyOf(incr, cutAt));
            AofCheckReport r = new AofCheck(dir, AofCheck.Input.DIR).run();
            int keep = TinyAof.keepUpTo(parsed, cutAt);
            if (TinyAof.wholeAt(parsed, cutAt)) {
                assertThat(r.verdict()).as("cut at %d", cutAt).isEqualTo(AofVerdict.VALID);
            } else {
                assertThat(r.verdict()).as("cut at %d", cutAt).isEqualTo(AofVerdict.TRUNCATED_TAIL);
                assertThat(r.cut().truncateTo()).isEqualTo(keep);
                AofFix.Result fixed = AofFix.apply(r, false, Instant.now());
                assertThat(fixed.newSize()).isEqualTo(keep);
                assertThat(new AofCheck(dir, AofCheck.Input.DIR).run().verdict()).isEqualTo(AofVerdict.VALID);
            }
            assertThat(loadInRedis(dir)).as("cut at %d", cutAt).isEqualTo(referenceDigest(keep));
        }
    }

    @Test
    void damageFixedWithForceLoadsInRedisWithExactlyTheCommandsBeforeIt() throws Exception {
        List<AofCheckTest.Structural> structural = AofCheckTest.structuralBytes(parsed);
        Random random = new Random(11);
        for (int i = 0; i < 4; i++) {
            AofCheckTest.Structural s = structural.get(random.nextInt(structural.size()));
            byte[] b = incr.clone();
            b[s.offset()] ^= s.lengthDigit() ? 0x40 : 0x01;
            assertForceFixLoads("flip-" + s.offset(), b, TinyAof.keepUpTo(parsed, s.commandStart()));
        }
        byte[] zeroes = Arrays.copyOf(incr, incr.length + 8192); // a power loss can leave the file extended with zeroes
        assertForceFixLoads("zeroes", zeroes, incr.length);
    }

    private static void assertForceFixLoads(String name, byte[] damaged, int keep) throws Exception {
        Path dir = copy(name);
        Files.write(dir.resolve(INCR), damaged);
        AofCheckReport r = new AofCheck(dir, AofCheck.Input.DIR).run();
        assertThat(r.verdict()).as(name).isEqualTo(AofVerdict.DAMAGED);
        assertThat(r.cut().truncateTo()).as(name).isEqualTo(keep);
        if (name.equals("zeroes")) {
            // (Redis's loader skips the CRLF after a value unread and ignores what follows a count,
            // so some flips that redis-check-aof and we reject load anyway, misread.)
            assertThatThrownBy(() -> loadInRedis(dir)).as("Redis refuses %s", name).isInstanceOf(IOException.class);
        }
        Optional<Path> rca = RedisCheckAof.binary();
        if (rca.isPresent()) {
            assertThat(RedisCheckAof.check(rca.get(), dir.resolve(INCR)).valid()).as(name).isFalse();
        }
        assertThatThrownBy(() -> AofFix.apply(r, false, Instant.now())).isInstanceOf(AofFix.Refused.class);
        AofFix.Result fixed = AofFix.apply(r, true, Instant.now());
        assertThat(Files.readAllBytes(fixed.backup())).isEqualTo(damaged);
        assertThat(new AofCheck(dir, AofCheck.Input.DIR).run().verdict()).isEqualTo(AofVerdict.VALID);
        assertThat(loadInRedis(dir)).as(name).isEqualTo(referenceDigest(keep));
    }

    @Test
    void anIncrFileWrittenAfterARewriteIsCheckedInManifestOrderWithEachFileStartingInDbZero() throws Exception {
        Path root = work.resolve("rewrite");
        try (LocalRedisServer redis = server().dir(root).config("appendonly", "yes").config("aof-timestamp-enabled", "yes")
                .start(); RedisConnection c = redis.connect()) {
            c.call("SELECT", "4");
            c.call("SET", "before", "rewrite");
            c.call("BGREWRITEAOF");
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"0".equals(c.info("persistence").get("aof_rewrite_in_progress"))
                    || !"0".equals(c.info("persistence").get("aof_rewrite_scheduled"))) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(20);
            }
            c.call("SET", "after", "rewrite");
            Path dir = root.resolve("appendonlydir");
            AofCheckReport r = new AofCheck(dir, AofCheck.Input.DIR).run();
            assertThat(r.verdict()).isEqualTo(AofVerdict.VALID);
            AofFileReport last = r.files().get(r.files().size() - 1);
            assertThat(last.role()).isEqualTo(AofFileReport.Role.INCR);
            // the new incr file selects db 4 again: Redis loads every file with a fresh client
            assertThat(last.commandsPerDb()).containsOnlyKeys(4);
            assertThat(r.files().get(0).rdb().keys()).isEqualTo(1);
            assertThat(Files.readString(dir.resolve(r.manifest().incrs().get(0).name()), StandardCharsets.ISO_8859_1))
                    .contains("SELECT");
            Files.write(dir.resolve(r.manifest().incrs().get(0).name()), "*1\r\n$3\r\nDEL".getBytes(StandardCharsets.US_ASCII),
                    StandardOpenOption.APPEND);
            assertThat(new AofCheck(dir, AofCheck.Input.DIR).run().verdict()).isEqualTo(AofVerdict.TRUNCATED_TAIL);
        }
    }
}
