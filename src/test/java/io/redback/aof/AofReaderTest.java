package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.log.Tx;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class AofReaderTest {

    /** Everything the reader delivered, flattened so that tests can compare it. */
    record Seen(long offset, long end, String text, int db, long time, Tx tx, long index) {
    }

    static List<Seen> readAll(AofReader r) throws IOException, AofException {
        List<Seen> seen = new ArrayList<>();
        while (r.next() != AofReader.Event.END) {
            if (r.event() == AofReader.Event.COMMAND) {
                AofCommand c = r.command();
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < c.argCount(); i++) {
                    sb.append(i == 0 ? "" : " ").append(new String(c.arg(i), StandardCharsets.ISO_8859_1));
                }
                seen.add(new Seen(c.offset(), c.end(), sb.toString(), c.db(), c.time(), c.tx(), c.index()));
            } else {
                AofAnnotation a = r.annotation();
                seen.add(new Seen(a.offset(), a.offset() + a.length(), a.textString(), -1, a.timestamp(), null, -1));
            }
        }
        return seen;
    }

    private static AofReader reader(String aof) {
        return new AofReader(new ByteArrayInputStream(aof.getBytes(StandardCharsets.ISO_8859_1)),
                AofReader.Options.defaults().withName("test.aof").withBufferSize(16));
    }

    private static String cmd(String... args) {
        StringBuilder sb = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            sb.append('$').append(a.length()).append("\r\n").append(a).append("\r\n");
        }
        return sb.toString();
    }

    @Test
    void deliversCommandsWithDbTimeAndTransactionRole() throws Exception {
        String aof = "#TS:1700000000\r\n" + cmd("SELECT", "0") + cmd("SET", "a", "1")
                + cmd("select", "3") + cmd("MULTI") + cmd("INCR", "n") + "#TS:1700000001\r\n" + cmd("SELECT", "4")
                + cmd("DEL", "x") + cmd("EXEC") + cmd("SELECT", "banana") + cmd("PING");
        List<Seen> seen = readAll(reader(aof));

        assertThat(seen).extracting(Seen::text).containsExactly("#TS:1700000000", "SELECT 0", "SET a 1", "select 3",
                "MULTI", "INCR n", "#TS:1700000001", "SELECT 4", "DEL x", "EXEC", "SELECT banana", "PING");
        assertThat(seen).filteredOn(s -> s.tx() != null).extracting(Seen::db)
                .containsExactly(0, 0, 3, 3, 3, 4, 4, 4, 4, 4);
        assertThat(seen).filteredOn(s -> s.tx() != null).extracting(Seen::tx).containsExactly(Tx.NONE,
                Tx.NONE, Tx.NONE, Tx.MULTI, Tx.QUEUED, Tx.QUEUED,
                Tx.QUEUED, Tx.EXEC, Tx.NONE, Tx.NONE);
        assertThat(seen).filteredOn(s -> s.tx() != null).extracting(Seen::time)
                .containsExactly(1700000000L, 1700000000L, 1700000000L, 1700000000L, 1700000000L, 1700000001L,
                        1700000001L, 1700000001L, 1700000001L, 1700000001L);
        assertThat(seen).filteredOn(s -> s.tx() != null).extracting(Seen::index)
                .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        // offsets are exact and contiguous
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i).offset()).isEqualTo(seen.get(i - 1).end());
        }
        assertThat(seen.get(seen.size() - 1).end()).isEqualTo(aof.length());
    }

    @Test
    void safeEndNeverFallsInsideATransaction() throws Exception {
        String before = cmd("SET", "a", "1");
        String multi = cmd("MULTI") + cmd("SET", "b", "2");
        AofReader r = reader(before + multi + cmd("EXEC"));
        r.next();
        assertThat(r.safeEnd()).isEqualTo(before.length());
        r.next();
        r.next();
        assertThat(r.openTransaction()).isEqualTo(before.length());
        assertThat(r.safeEnd()).isEqualTo(before.length());
        r.next();
        assertThat(r.safeEnd()).isEqualTo(before.length() + multi.length() + cmd("EXEC").length());
        assertThat(r.transactions()).isEqualTo(1);
    }

    @Test
    void timeCarriesOverFromThePreviousFileUntilTheFirstTimestamp() throws Exception {
        AofReader r = new AofReader(new ByteArrayInputStream(cmd("PING").getBytes(StandardCharsets.US_ASCII)),
                AofReader.Options.defaults().withInitialTime(42));
        r.next();
        assertThat(r.command().time()).isEqualTo(42);
        assertThat(r.command().hasTime()).isTrue();
    }

    @Test
    void otherAnnotationsAreDeliveredAndDoNotSetTheTime() throws Exception {
        List<Seen> seen = readAll(reader("#hello\n#TS:12x\r\n" + cmd("PING") + "#TS:99"));
        assertThat(seen).extracting(Seen::text).containsExactly("#hello", "#TS:12x", "PING", "#TS:99");
        assertThat(seen).extracting(Seen::time).containsExactly(-1L, -1L, -1L, -1L);
    }

    @Test
    void acceptsOnlyWhatRedisAccepts() {
        assertProblem(cmd("SET", "a", "1") + "SET a 1\r\n", AofException.Kind.DAMAGED, 27,
                "expected '*' starting a command or '#' starting an annotation, found 'S' (0x53)");
        assertProblem(cmd("SET", "a", "1") + "\r\n", AofException.Kind.DAMAGED, 27, "found CR (0x0d)");
        assertProblem(cmd("SET", "a", "1") + "\0\0\0\0", AofException.Kind.DAMAGED, 27, "found NUL (0x00)");
        assertProblem(cmd("EXEC"), AofException.Kind.DAMAGED, 0, "EXEC without a MULTI");
        assertProblem(cmd("MULTI") + cmd("MULTI"), AofException.Kind.DAMAGED, 15, "transactions do not nest");
        assertProblem(cmd("MULTI") + cmd("SET", "a", "1"), AofException.Kind.TRUNCATED, 42,
                "the file ends inside the transaction opened by MULTI at byte 0 (1 queued command(s), no EXEC)");
        assertProblem(cmd("PING") + "*2\r\n$3\r\nGET\r\n$5\r\nke", AofException.Kind.TRUNCATED, 33,
                "the file ends inside the command that starts at byte 14; expected 3 more byte(s) of argument 2 of 2");
        assertProblem(cmd("PING") + "*2\r\n$3\r\nGET", AofException.Kind.TRUNCATED, 25,
                "expected CRLF after the 3 byte(s) of argument 1 of 2");
        assertProblem("#" + "x".repeat(1100), AofException.Kind.DAMAGED, 1022, "to end within 1023 bytes");
    }

    private static void assertProblem(String aof, AofException.Kind kind, long offset, String detail) {
        assertThatThrownBy(() -> readAll(reader(aof))).isInstanceOfSatisfying(AofException.class, e -> {
            assertThat(e.kind()).as(aof).isEqualTo(kind);
            assertThat(e.offset()).as(aof).isEqualTo(offset);
            assertThat(e.detail()).as(aof).contains(detail);
            assertThat(e.file()).isEqualTo("test.aof");
            assertThat(e.getMessage()).startsWith("test.aof: at byte " + offset);
        });
    }

    @Test
    void theErrorCarriesTheCommandIndexDbAndTime() {
        String aof = "#TS:1700000000\r\n" + cmd("SELECT", "2") + cmd("SET", "a", "1") + "*1\r\n$4\r\nPINGX";
        assertThatThrownBy(() -> readAll(reader(aof))).isInstanceOfSatisfying(AofException.class, e -> {
            assertThat(e.commandIndex()).isEqualTo(2);
            assertThat(e.db()).isEqualTo(2);
            assertThat(e.time()).isEqualTo(1700000000L);
            assertThat(e.expected()).isEqualTo("CRLF after the 4 byte(s) of argument 1 of 1");
            assertThat(e.found()).isEqualTo("'X' (0x58)");
            assertThat(e.getMessage()).contains("after 2 complete command(s), db 2, last #TS 2023-11-14T22:13:20Z");
        });
    }

    @Test
    void anRdbPreambleIsVerifiedAndTheCommandsAfterItAreRead() throws Exception {
        try (AofReader r = AofReader.open(Fixtures.preamble())) {
            List<Seen> seen = readAll(r);
            assertThat(r.preamble().keys()).isEqualTo(2);
            assertThat(r.commandsStart()).isEqualTo(Fixtures.PREAMBLE_RDB_END);
            assertThat(seen).extracting(Seen::text).containsExactly("SELECT 0", "set k3 v3");
            assertThat(seen.get(0).offset()).isEqualTo(Fixtures.PREAMBLE_RDB_END);
            assertThat(seen.get(1).end()).isEqualTo(Files.size(Fixtures.preamble()));
        }
    }

    @Test
    void aDamagedPreambleIsReportedWithTheRdbReadersError() throws Exception {
        byte[] b = Files.readAllBytes(Fixtures.preamble());
        b[100] ^= 0x20; // inside the RDB: the CRC64 no longer matches, or a structure breaks
        AofReader r = new AofReader(new ByteArrayInputStream(b));
        assertThatThrownBy(() -> readAll(r)).isInstanceOfSatisfying(AofException.class, e -> {
            assertThat(e.kind()).isEqualTo(AofException.Kind.DAMAGED);
            assertThat(e.inPreamble()).isTrue();
            assertThat(e.rdbError()).isNotNull();
            assertThat(e.detail()).startsWith("RDB preamble: ");
        });
    }

    @Test
    void everyReleaseFixtureReadsLikeTheIndependentParserSaysItShould() throws Exception {
        for (Path dir : Fixtures.dirs()) {
            for (AofManifest.Entry e : AofManifest.read(dir.resolve("appendonly.aof.manifest")).loadOrder()) {
                Path file = dir.resolve(e.name());
                byte[] bytes = Files.readAllBytes(file);
                boolean rdb = bytes.length > 0 && bytes[0] == 'R';
                try (AofReader r = AofReader.open(file, AofReader.Options.defaults().withBufferSize(64))) {
                    List<Seen> seen = readAll(r);
                    if (rdb) {
                        assertThat(r.preamble()).as(file.toString()).isNotNull();
                        assertThat(seen).isEmpty();
                        continue;
                    }
                    TinyAof.Parsed expected = TinyAof.parse(bytes, 0);
                    List<Seen> commands = seen.stream().filter(s -> s.tx() != null).toList();
                    assertThat(commands).as(file.toString()).hasSize(expected.commands().size());
                    assertThat(seen.size() - commands.size()).isEqualTo(expected.annotations().size());
                    Map<Integer, Integer> perDb = new TreeMap<>();
                    int db = 0;
                    for (int i = 0; i < commands.size(); i++) {
                        TinyAof.Cmd c = expected.commands().get(i);
                        assertThat(commands.get(i).offset()).isEqualTo(c.start());
                        assertThat(commands.get(i).end()).isEqualTo(c.end());
                        assertThat(commands.get(i).text()).isEqualTo(String.join(" ", c.args()));
                        if (c.name().equals("select")) {
                            db = Integer.parseInt(c.args().get(1));
                        }
                        assertThat(commands.get(i).db()).isEqualTo(db);
                        perDb.merge(db, 1, Integer::sum);
                    }
                    if (!commands.isEmpty()) {
                        assertThat(perDb).as(file.toString()).containsKeys(0, 1, 5);
                    }
                    assertThat(r.transactions()).isEqualTo(
                            expected.commands().stream().filter(c -> c.name().equals("exec")).count());
                }
            }
        }
    }
}
