package io.redback.cli;

import io.redback.testsupport.ChildJvm;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.redback.testsupport.FakeSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `redback backup` against sources that misbehave as no healthy Redis does (a fake server on
 * 127.0.0.1): it gives up with one line naming the stage, never waits for ever, never prints a
 * stack trace, and never lets the source's text drive the terminal.
 */
@io.redback.testsupport.Slow
class HostileSourceTest {
    @TempDir
    Path tmp;

    private String repo() {
        return tmp.resolve("repo").toUri().toString();
    }

    @Test
    void keepalivesForeverAfterPsyncEndAtTheTimeoutNamingTheStage() throws Exception {
        try (FakeSource fake = FakeSource.start((cmd, c) -> {
            if (!FakeSource.handshake(cmd, c, FakeSource.REDIS_INFO)) {
                c.send("+FULLRESYNC " + FakeSource.REPLID + " 0\r\n");
                c.keepalivesForever(100);
            }
        })) {
            Cli.Run run = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> Cli.redback("backup", "--redis", fake.uri(), "--repo", repo(), "--timeout", "2s"));
            assertThat(run.exit()).as(run.err()).isEqualTo(Main.USAGE);
            assertThat(run.err()).contains("keepalives for 2 s", "prepare the RDB", "--timeout")
                    .doesNotContain("\tat ");
            assertThat(errorLines(run.err())).hasSize(1);
        }
    }

    @Test
    void aStallAfterAHugeLengthNamesTheStageAndTheBytesReceived() throws Exception {
        try (FakeSource fake = FakeSource.start((cmd, c) -> {
            if (!FakeSource.handshake(cmd, c, FakeSource.REDIS_INFO)) {
                c.send("+FULLRESYNC " + FakeSource.REPLID + " 0\r\n$999999999999\r\nREDIS0011");
                c.stall();
            }
        })) {
            Cli.Run run = assertTimeoutPreemptively(Duration.ofSeconds(60),
                    () -> Cli.redback("backup", "--redis", fake.uri(), "--repo", repo(), "--timeout", "2s"));
            assertThat(run.exit()).as(run.err()).isEqualTo(Main.USAGE);
            assertThat(run.err()).contains("sent nothing for 2 s while sending the RDB", "9 of 999999999999 bytes")
                    .doesNotContain("\tat ");
        }
    }

    @Test
    void aValkeySourceIsToldItsVersionAndARefusalIsTolerated() throws Exception {
        String info = "# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.1.0\r\n";
        byte[] rdb = FakeSource.emptyRdb("7.2.4");
        try (FakeSource fake = FakeSource.start((cmd, c) -> {
            if (cmd.size() > 1 && cmd.get(0).equals("REPLCONF") && cmd.get(1).equals("version")) {
                c.send("-ERR Unrecognized REPLCONF option: version\r\n"); // as older releases answer
            } else if (!FakeSource.handshake(cmd, c, info)) {
                c.send("+FULLRESYNC " + FakeSource.REPLID + " 0\r\n$" + rdb.length + "\r\n");
                c.send(rdb);
                c.stall();
            }
        })) {
            Cli.Run run = Cli.redback("backup", "--redis", fake.uri(), "--repo", repo());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(fake.received("REPLCONF", "version", "8.1.0")).as(fake.commands().toString()).isTrue();
            List<String> names = fake.commands().stream().map(c -> String.join(" ", c)).toList();
            assertThat(names.indexOf("REPLCONF version 8.1.0")).isLessThan(names.indexOf("PSYNC ? -1"));
        }
    }

    @Test
    void aRedisSourceIsNotToldAVersion() throws Exception {
        byte[] rdb = FakeSource.emptyRdb("7.2.4");
        try (FakeSource fake = FakeSource.start((cmd, c) -> {
            if (!FakeSource.handshake(cmd, c, FakeSource.REDIS_INFO)) {
                c.send("+FULLRESYNC " + FakeSource.REPLID + " 0\r\n$" + rdb.length + "\r\n");
                c.send(rdb);
                c.stall();
            }
        })) {
            Cli.Run run = Cli.redback("backup", "--redis", fake.uri(), "--repo", repo());
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(fake.commands()).noneMatch(c -> c.size() > 1 && c.get(1).equals("version"));
        }
    }

    @Test
    void controlCharactersFromTheSourceAndTheManifestAreEscapedInEveryTextOutput() throws Exception {
        // ESC ] 0 ; ... BEL retitles the terminal, ESC [ 2 J clears it, CR overwrites the line, U+202E reverses it.
        String evil = "7.2.4\u001b]0;owned\u0007\u001b[2J\r\u202e";
        byte[] rdb = FakeSource.emptyRdb(evil);
        try (FakeSource fake = FakeSource.start((cmd, c) -> {
            if (!FakeSource.handshake(cmd, c, FakeSource.REDIS_INFO)) {
                c.send("+FULLRESYNC " + FakeSource.REPLID + " 0\r\n$" + rdb.length + "\r\n");
                c.send(rdb);
                c.stall();
            }
        })) {
            Cli.Run backup = Cli.redback("backup", "--redis", fake.uri(), "--repo", repo(), "--name", "src");
            assertThat(backup.exit()).as(backup.err()).isZero();
            assertThat(backup.out()).contains("Redis 7.2.4\\x1b]0;owned\\x07\\x1b[2J\\x0d\\u202e");
            for (Cli.Run run : List.of(backup, Cli.redback("show", "--repo", repo(), "latest"),
                    Cli.redback("list", "--repo", repo()), Cli.redback("show", "--repo", repo(), "latest", "--json"))) {
                assertThat(run.exit()).as(run.err()).isZero();
                assertThat(run.out() + run.err()).as(run.out()).doesNotContain("\u001b", "\u0007", "\r", "\u202e");
            }
            assertThat(Cli.redback("show", "--repo", repo(), "latest").out())
                    .contains("redisVersion       7.2.4\\x1b]0;owned\\x07\\x1b[2J\\x0d\\u202e");
            // JSON stays JSON, and says exactly what the manifest holds.
            Cli.Run json = Cli.redback("show", "--repo", repo(), "latest", "--json");
            assertThat(json.json().findValue("redisVersion").asText()).isEqualTo(evil);
        }
    }

    @Test
    void aForgottenHostDoesNotEchoThePassword() {
        Cli.Run run = Cli.redback("backup", "--redis", "redis://admin:SECRET", "--repo", repo());
        assertThat(run.exit()).isEqualTo(Main.USAGE);
        assertThat(run.out() + run.err()).doesNotContain("SECRET").contains("the host is missing");
    }

    // ---------------------------------------------------------------- bombs, in a JVM with a 64 MB heap

    @Test
    void aHalfGigabyteBulkLengthAllocatesNothingItHasNotReceived() throws Exception {
        byte[] some = new byte[64 * 1024];
        try (FakeSource fake = FakeSource.start((cmd, c) -> {
            c.send("$536870912\r\n");
            c.send(some);
            throw new java.io.IOException("hang up in the middle of the reply");
        })) {
            ChildJvm.Result child = redbackIn64m("backup", "--method", "bgsave", "--redis", fake.uri(), "--repo", repo());
            assertThat(child.exit()).as(child.stderr()).isEqualTo(Main.USAGE);
            assertThat(child.stderr()).contains("in the middle of a reply").doesNotContain("\tat ", "OutOfMemoryError");
            assertThat(errorLines(child.stderr())).hasSize(1);
        }
    }

    @Test
    void arraysNestedAMillionDeepAreRefusedWithoutAStackOverflow() throws Exception {
        byte[] bomb = "*1\r\n".repeat(300_000).concat(":1\r\n").getBytes(StandardCharsets.US_ASCII);
        try (FakeSource fake = FakeSource.start((cmd, c) -> c.send(bomb))) {
            ChildJvm.Result child = redbackIn64m("backup", "--method", "bgsave", "--redis", fake.uri(), "--repo", repo());
            assertThat(child.exit()).as(child.stderr()).isEqualTo(Main.USAGE);
            assertThat(child.stderr()).contains("nested deeper than 64").doesNotContain("\tat ", "StackOverflowError");
            assertThat(errorLines(child.stderr())).hasSize(1);
        }
    }

    /** What stderr says besides the notice that a first backup created the repository. */
    private static List<String> errorLines(String stderr) {
        return stderr.strip().lines().filter(l -> !l.contains("created a new repository")).toList();
    }

    /** redback in a JVM of its own with a 64 MB heap, as an operator's small container would run it. */
    private ChildJvm.Result redbackIn64m(String... args) throws Exception {
        return ChildJvm.redback(tmp, "-Xmx64m", args);
    }
}
