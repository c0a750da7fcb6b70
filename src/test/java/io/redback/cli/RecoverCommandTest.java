package io.redback.cli;

import static io.redback.cli.Cli.redback;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.TestRedis;
import io.redback.testsupport.TimelineBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runbook "Redis will not start: a file is damaged" on the shapes a crash or a bad disk leaves
 * (a torn tail, damage in the middle, a missing or broken manifest, an old-style single AOF, an
 * RDB only): recover says what Redis loads and what each option loses; after --apply the dir
 * loads in a real redis-server with aof-load-truncated no, to the DEBUG DIGEST that Redis itself
 * recovers from the original with aof-load-truncated yes.
 */
@io.redback.testsupport.Slow
class RecoverCommandTest {
    private static final String INCR = "appendonly.aof.1.incr.aof";

    @TempDir
    static Path work;

    /** A data dir holding the appendonlydir a real server wrote (RDB base + incr with #TS), and its digest. */
    static Path written;
    static String writtenDigest;
    static byte[] incr;

    @BeforeAll
    static void aServerWritesAnAof() throws Exception {
        try (LocalRedisServer redis = server().config("appendonly", "yes").config("aof-timestamp-enabled", "yes")
                .config("appendfsync", "always").start(); RedisConnection c = redis.connect()) {
            for (int i = 0; i < 200; i++) {
                c.call("SELECT", Integer.toString(i % 3));
                c.call("SET", "k" + i, "v" + i);
                c.call("RPUSH", "list", "item" + i);
                if (i % 10 == 0) {
                    c.call("MULTI");
                    c.call("INCR", "counter");
                    c.call("HSET", "h", "f" + i, "x");
                    c.call("EXEC");
                }
            }
            writtenDigest = c.callString("DEBUG", "DIGEST");
            written = copyTree(redis.dir().resolve("appendonlydir"), work.resolve("written/appendonlydir")).getParent();
        }
        incr = Files.readAllBytes(written.resolve("appendonlydir").resolve(INCR));
    }

    private static LocalRedisServer.Builder server() {
        return TestRedis.server().config("enable-debug-command", "yes");
    }

    private static Path copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.collect(Collectors.toList())) {
                if (Files.isDirectory(f)) {
                    copyTree(f, to.resolve(f.getFileName().toString()));
                } else {
                    Files.copy(f, to.resolve(f.getFileName().toString()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        return to;
    }

    /** A fresh data dir holding a copy of what the server wrote. */
    private static Path copy(String name) throws IOException {
        Path d = work.resolve(name);
        copyTree(written, d);
        return d;
    }

    /** Redis loads a copy of the data dir with appendonly yes; its DEBUG DIGEST. */
    private static String load(Path dataDir, boolean truncatedOk) throws IOException {
        Path d = work.resolve("load-" + System.nanoTime());
        copyTree(dataDir, d);
        try (LocalRedisServer redis = server().dir(d).config("appendonly", "yes")
                .config("aof-load-truncated", truncatedOk ? "yes" : "no").start(); RedisConnection c = redis.connect()) {
            return c.callString("DEBUG", "DIGEST");
        }
    }

    private static JsonNode json(Cli.Run run) throws IOException {
        return run.json();
    }

    private static List<String> optionIds(JsonNode doc) {
        return doc.get("options").findValuesAsText("id");
    }

    @Test
    void aValidAofLoadsAsItStands() throws Exception {
        Path d = copy("valid");
        Cli.Run run = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--json");
        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode doc = json(run);
        assertThat(doc.get("source").asText()).isEqualTo("aof");
        assertThat(doc.get("verdict").asText()).isEqualTo("ok");
        assertThat(optionIds(doc)).containsExactly("as-is");
        assertThat(doc.has("applied")).isFalse();
    }

    @Test
    void aTornTailIsTruncatedToWhatRedisItselfKeeps() throws Exception {
        Path d = copy("torn");
        Path f = d.resolve("appendonlydir").resolve(INCR);
        Files.write(f, Arrays.copyOf(incr, incr.length - 9));
        String redisKeeps = load(d, true);

        Cli.Run plan = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--aof-load-truncated", "no");
        assertThat(plan.exit()).as(plan.err()).isEqualTo(1);
        assertThat(plan.out()).contains("verdict  repairable", "refuses to start (aof-load-truncated no)",
                "truncate-tail [--apply]");
        assertThat(Files.readAllBytes(f)).hasSize(incr.length - 9);

        JsonNode lenient = json(redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--json"));
        assertThat(optionIds(lenient)).containsExactly("truncate-tail", "redis-itself");
        assertThat(lenient.get("options").get(1).get("loses")).isEqualTo(lenient.get("options").get(0).get("loses"));

        Cli.Run applied = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--apply", "--json");
        assertThat(applied.exit()).as(applied.err()).isZero();
        JsonNode doc = json(applied);
        assertThat(doc.get("verdict").asText()).isEqualTo("ok");
        JsonNode done = doc.get("applied").get(0);
        assertThat(done.get("what").asText()).startsWith("truncated the torn tail");
        Path original = Path.of(done.get("original").asText());
        assertThat(Files.readAllBytes(original)).isEqualTo(Arrays.copyOf(incr, incr.length - 9));
        assertThat(load(d, false)).isEqualTo(redisKeeps);
    }

    @Test
    void damageInTheMiddleIsRefusedWithoutForceAndCutWithIt() throws Exception {
        Path d = copy("damaged");
        Path f = d.resolve("appendonlydir").resolve(INCR);
        byte[] b = incr.clone();
        int at = b.length / 2;
        while (b[at] != '*') {
            at++;
        }
        b[at] = '!'; // a command header destroyed: Redis stops with "Bad file format"
        Files.write(f, b);

        Cli.Run refused = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--apply", "--json");
        assertThat(refused.exit()).isEqualTo(1);
        JsonNode doc = json(refused);
        assertThat(doc.get("verdict").asText()).isEqualTo("damaged");
        assertThat(doc.get("applied")).isEmpty();
        assertThat(optionIds(doc)).contains("cut-at-damage");
        JsonNode cut = doc.get("options").get(optionIds(doc).indexOf("cut-at-damage"));
        assertThat(cut.get("needsForce").asBoolean()).isTrue();
        assertThat(cut.get("loses").asText()).contains("every valid command after the damage");
        assertThat(doc.get("redisWould").asText()).startsWith("refuses to start");
        assertThat(Files.readAllBytes(f)).isEqualTo(b);

        Cli.Run forced = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--apply", "--force", "--json");
        assertThat(forced.exit()).as(forced.err()).isZero();
        assertThat(json(forced).get("applied").get(0).get("what").asText()).startsWith("cut at the damage");
        // cut before the damaged command, or before the MULTI of the transaction it was in
        int kept = (int) Files.size(f);
        assertThat(kept).isLessThanOrEqualTo(at).isGreaterThan(at - 200);
        assertThat(Files.readAllBytes(f)).isEqualTo(Arrays.copyOf(incr, kept));
        assertThat(load(d, false)).isEqualTo(load(prefixOf(d, "damaged-ref", kept), false));
    }

    /** A copy of the written dir whose incr file is the original's first n bytes. */
    private static Path prefixOf(Path unused, String name, int n) throws IOException {
        Path d = copy(name);
        Files.write(d.resolve("appendonlydir").resolve(INCR), Arrays.copyOf(incr, n));
        return d;
    }

    @Test
    void aMissingOrBrokenManifestIsRebuiltFromTheFilesPresent() throws Exception {
        Path missing = copy("no-manifest");
        Path manifest = missing.resolve("appendonlydir/appendonly.aof.manifest");
        Files.delete(manifest);
        Cli.Run plan = redback("recover", "--dir", missing.toString(), "--appendonly", "yes", "--json");
        assertThat(plan.exit()).isEqualTo(1);
        JsonNode doc = json(plan);
        assertThat(doc.get("verdict").asText()).isEqualTo("repairable");
        assertThat(doc.get("redisWould").asText()).contains("EMPTY dataset");
        assertThat(optionIds(doc)).contains("rebuild-manifest");
        assertThat(load(missing, true)).as("Redis itself starts empty").matches("0+");
        assertThat(redback("recover", "--dir", missing.toString(), "--appendonly", "yes", "--apply").exit()).isZero();
        assertThat(Files.readString(manifest)).isEqualTo(
                "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        assertThat(load(missing, false)).isEqualTo(writtenDigest);

        Path broken = copy("broken-manifest");
        Path bm = broken.resolve("appendonlydir/appendonly.aof.manifest");
        byte[] was = Files.readAllBytes(bm);
        Files.writeString(bm, "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq");
        Cli.Run fixed = redback("recover", "--dir", broken.toString(), "--appendonly", "yes", "--apply", "--json");
        assertThat(fixed.exit()).as(fixed.err()).isZero();
        JsonNode applied = json(fixed).get("applied").get(0);
        assertThat(applied.get("what").asText()).contains("rebuilt the manifest");
        assertThat(Files.readString(Path.of(applied.get("original").asText()))).endsWith("seq");
        assertThat(Files.readAllBytes(bm)).isEqualTo(was);
        assertThat(load(broken, false)).isEqualTo(writtenDigest);
    }

    @Test
    void anOldStyleSingleAofWithATornTailIsRepairedInPlace() throws Exception {
        Path d = work.resolve("old-style");
        Files.createDirectories(d);
        Path aof = d.resolve("appendonly.aof");
        Files.write(aof, Arrays.copyOf(incr, incr.length - 3));
        String redisKeeps = load(d, true);
        Cli.Run plan = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--json");
        assertThat(plan.exit()).isEqualTo(1);
        assertThat(json(plan).get("loads").asText()).contains("single AOF", aof.toString());
        Cli.Run applied = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--apply");
        assertThat(applied.exit()).as(applied.out() + applied.err()).isZero();
        assertThat(load(d, false)).isEqualTo(redisKeeps);
    }

    @Test
    void anOldStyleAofWithAnRdbPreambleAndATornTailLoadsAfterApply() throws Exception {
        Path d = work.resolve("old-style-preamble");
        Files.createDirectories(d);
        byte[] preamble = Files.readAllBytes(Path.of(RecoverCommandTest.class.getResource(
                "/fixtures/redis-tests/rdb-preamble.aof").toURI()));
        Path aof = d.resolve("appendonly.aof");
        byte[] torn = Arrays.copyOf(preamble, preamble.length + incr.length - 4);
        System.arraycopy(incr, 0, torn, preamble.length, incr.length - 4);
        Files.write(aof, torn);
        String redisKeeps = load(d, true);
        Cli.Run applied = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--apply", "--json");
        assertThat(applied.exit()).as(applied.out() + applied.err()).isZero();
        assertThat(json(applied).get("applied").get(0).get("what").asText()).startsWith("truncated the torn tail");
        assertThat(load(d, false)).isEqualTo(redisKeeps);
    }

    @Test
    void aListedFileThatIsMissingIsDamageNothingRepairs() throws Exception {
        Path d = copy("missing-incr");
        Files.delete(d.resolve("appendonlydir").resolve(INCR));
        Cli.Run run = redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--apply", "--force", "--json");
        assertThat(run.exit()).isEqualTo(1);
        JsonNode doc = json(run);
        assertThat(doc.get("verdict").asText()).isEqualTo("damaged");
        assertThat(doc.get("applied")).isEmpty();
        assertThat(doc.get("redisWould").asText()).startsWith("refuses to start").contains(INCR);
        assertThat(Files.readString(d.resolve("appendonlydir/appendonly.aof.manifest"))).contains(INCR);
    }

    @Test
    void anRdbOnlyDirIsCheckedAndADamagedRdbIsNeverTouched() throws Exception {
        Path d = work.resolve("rdb-only");
        Files.createDirectories(d);
        String digest;
        try (LocalRedisServer redis = server().dir(d).start(); RedisConnection c = redis.connect()) {
            c.call("SET", "a", "1");
            c.call("RPUSH", "l", "x", "y");
            c.call("SAVE");
            digest = c.callString("DEBUG", "DIGEST");
        }
        Cli.Run ok = redback("recover", "--dir", d.toString(), "--json");
        assertThat(ok.exit()).as(ok.err()).isZero();
        assertThat(json(ok).get("source").asText()).isEqualTo("rdb");
        assertThat(json(ok).get("verdict").asText()).isEqualTo("ok");

        Path rdb = d.resolve("dump.rdb");
        byte[] b = Files.readAllBytes(rdb);
        b[b.length - 3] ^= 0x55; // the CRC64 no longer matches
        Files.write(rdb, b);
        Cli.Run damaged = redback("recover", "--dir", d.toString(), "--apply", "--force", "--json");
        assertThat(damaged.exit()).isEqualTo(1);
        JsonNode doc = json(damaged);
        assertThat(doc.get("verdict").asText()).isEqualTo("damaged");
        assertThat(doc.get("redisWould").asText()).startsWith("refuses to start");
        assertThat(doc.get("applied")).isEmpty();
        assertThat(Files.readAllBytes(rdb)).isEqualTo(b);

        // with a repository holding a snapshot of the source, restoring it is an option
        Path repo = work.resolve("rdb-only-repo");
        try (LocalRedisServer redis = server().start(); RedisConnection c = redis.connect()) {
            c.call("SET", "a", "1");
            assertThat(redback("backup", "--redis", "redis://127.0.0.1:" + redis.port(), "--repo", repo.toString(),
                    "--name", "cache-1", "-q").exit()).isZero();
        }
        JsonNode withRepo = json(redback("recover", "--dir", d.toString(), "--repo", repo.toString(), "--json"));
        JsonNode restore = withRepo.get("options").get(optionIds(withRepo).indexOf("restore-repo"));
        assertThat(restore.get("action").asText()).startsWith("redback restore --repo " + repo)
                .contains("--name cache-1 --snapshot latest --to-dir " + d + "-restored");
        assertThat(restore.get("byApply").asBoolean()).isFalse();
        assertThat(digest).isNotBlank();
    }

    @Test
    void withAShippedLogTheRestoreItPrintsRestoresTheNewestSecondOfTheLog() throws Exception {
        Path d = copy("with-log");
        byte[] damaged = incr.clone();
        int command = new String(incr, StandardCharsets.ISO_8859_1).indexOf("\r\n*", incr.length / 2) + 2;
        damaged[command] = '!'; // a command in the middle damaged: restoring from the repository is an option
        Files.write(d.resolve("appendonlydir").resolve(INCR), damaged);
        Path repo = work.resolve("log-repo");
        Instant t0 = Instant.parse("2026-11-22T10:00:00Z");
        try (TimelineBuilder t = TimelineBuilder.start(repo, "cache-1", t0)) {
            t.load("SET", "base", "1");
            t.baseSnapshot();
            t.at(t0.plusMillis(1500)).command("SET", "a", "1");
            t.segment();
        }
        JsonNode doc = json(redback("recover", "--dir", d.toString(), "--appendonly", "yes", "--repo", repo.toString(),
                "--json"));
        assertThat(doc.get("verdict").asText()).isEqualTo("damaged");
        String action = doc.get("options").get(optionIds(doc).indexOf("restore-repo")).get("action").asText();
        assertThat(action).startsWith("redback restore --repo " + repo)
                .contains("--name cache-1 --at 2026-11-22T10:00:01Z --to-dir " + d + "-restored");
        // The command as printed restores: a log ends before "now", which --at would refuse.
        List<String> args = new ArrayList<>(Arrays.asList(action.substring("redback ".length()).split(" ")));
        args.add("--dry-run");
        Cli.Run run = redback(args.toArray(String[]::new));
        assertThat(run.exit()).as(run.err()).isZero();
    }

    @Test
    void theConfigFileSaysWhereAndWhatRedisLoads() throws Exception {
        Path d = work.resolve("custom");
        copyTree(written.resolve("appendonlydir"), d.resolve("aofs"));
        for (String n : List.of("appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof")) {
            Files.move(d.resolve("aofs").resolve(n), d.resolve("aofs").resolve(n.replace("appendonly.aof", "my.aof")));
        }
        Files.writeString(d.resolve("aofs/appendonly.aof.manifest"), "");
        Files.delete(d.resolve("aofs/appendonly.aof.manifest"));
        Path conf = work.resolve("redis.conf");
        Path extra = work.resolve("persistence.conf");
        Files.writeString(extra, "appendonly yes\nappenddirname \"aofs\"\nappendfilename my.aof\n");
        Files.writeString(conf, "# a server\nport 6379\ndir " + d + "\nappendonly no\ninclude " + extra.getFileName()
                + "\nAOF-LOAD-TRUNCATED no\n");
        Cli.Run run = redback("recover", "--config", conf.toString(), "--json");
        assertThat(run.exit()).isEqualTo(1);
        JsonNode doc = json(run);
        assertThat(doc.get("config").get("appendonly").asText()).isEqualTo("yes");
        assertThat(doc.get("config").get("aof-load-truncated").asText()).isEqualTo("no");
        assertThat(doc.get("options").get(0).get("action").asText()).contains(d.resolve("aofs/my.aof.manifest").toString(),
                "my.aof.1.base.rdb, my.aof.1.incr.aof");
        assertThat(redback("recover", "--config", conf.toString(), "--apply").exit()).isZero();
        assertThat(redback("recover", "--dir", work.resolve("nowhere").toString()).exit()).isEqualTo(2);
    }
}
