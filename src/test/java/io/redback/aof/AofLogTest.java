package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.time.TimeGrammar;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** "Who touched user:42, in which db, and when": the log filters on a hand-made two-file set. */
@io.redback.testsupport.Fast
class AofLogTest {
    @TempDir
    Path tmp;
    Path dir;

    @BeforeEach
    void writeSet() throws Exception {
        AofBytes one = new AofBytes()
                .ts(100).cmd("SELECT", "0").cmd("SET", "user:1", "a").cmd("SET", "session:1", "s")
                .ts(101).cmd("MULTI").cmd("INCR", "user:42").cmd("DEL", "user:1").cmd("EXEC")
                .cmd("SELECT", "1").cmd("SET", "user:42", "b")
                .ts(103).cmd("FLUSHALL").cmd("FLUSHALL");
        AofBytes two = new AofBytes()
                .ts(105).cmd("SELECT", "1").cmd("HSET", "user:42", "f", "v").cmd("flushall");
        dir = AofBytes.set(tmp.resolve("appendonlydir"), null, one, two);
    }

    private List<LogEntry> log(LogFilter f) throws Exception {
        List<LogEntry> got = new ArrayList<>();
        AofLog.scan(dir, f, got::add);
        return got;
    }

    private static List<String> texts(List<LogEntry> entries) {
        return entries.stream().map(LogEntry::text).toList();
    }

    @Test
    void listsEveryCommandWithPositionDbTimeAndTransaction() throws Exception {
        List<LogEntry> all = log(LogFilter.all());
        assertThat(all).hasSize(14);
        LogEntry incr = all.get(4);
        assertThat(incr.text()).isEqualTo("INCR \"user:42\"");
        assertThat(incr.position()).startsWith("appendonly.aof.1.incr.aof:");
        assertThat(incr.time()).isEqualTo(101);
        assertThat(incr.inTransaction()).isTrue();
        assertThat(incr.key()).isEqualTo("user:42");
        assertThat(all.get(8).db()).isEqualTo(1);
        // the second file starts at db 0 again, as Redis loads it, until its own SELECT
        assertThat(all.get(11).file()).isEqualTo("appendonly.aof.2.incr.aof");
        assertThat(all.get(12).db()).isEqualTo(1);
    }

    @Test
    void grepIsCaseInsensitiveAndRepeatable() throws Exception {
        assertThat(texts(log(new LogFilter(List.of("flushall"), null, null, null, null, 0))))
                .containsExactly("FLUSHALL", "FLUSHALL", "flushall");
        assertThat(texts(log(new LogFilter(List.of("DEL", "incr"), null, null, null, null, 0))))
                .containsExactly("INCR \"user:42\"", "DEL \"user:1\"");
    }

    @Test
    void dbKeyAndTimeFiltersCombine() throws Exception {
        assertThat(texts(log(new LogFilter(List.of(), 1, "user:*", null, null, 0))))
                .containsExactly("SET \"user:42\" \"b\"", "HSET \"user:42\" \"f\" \"v\"");
        assertThat(texts(log(new LogFilter(List.of(), null, "user:4?", 101L, 104L, 0))))
                .containsExactly("INCR \"user:42\"", "SET \"user:42\" \"b\"");
        assertThat(texts(log(new LogFilter(List.of(), null, null, 105L, null, 0))))
                .containsExactly("SELECT \"1\"", "HSET \"user:42\" \"f\" \"v\"", "flushall");
        assertThat(log(new LogFilter(List.of(), null, null, null, 100L, 2))).hasSize(2);
    }

    @Test
    void eachFlushallCarriesTheShortestExactCutThatStopsBeforeIt() throws Exception {
        List<LogEntry> flushes = log(new LogFilter(List.of("FLUSHALL"), null, null, null, null, 0));
        assertThat(flushes.get(0).cutHint()).containsExactly("--before", "FLUSHALL");
        // a second FLUSHALL in the same second: only its position names it exactly
        assertThat(flushes.get(1).cutHint()).containsExactly("--offset", flushes.get(1).position());
        assertThat(flushes.get(2).cutHint()).containsExactly("--before", "FLUSHALL", "--after", "1970-01-01T00:01:45Z");
        for (LogEntry f : flushes) {
            List<String> h = f.cutHint();
            CutPoint p = h.get(0).equals("--offset") ? CutPoint.Offset.parse(h.get(1))
                    : new CutPoint.Before(CommandPattern.parse(h.get(1)), h.size() > 2 ? TimeGrammar.parse(h.get(3), java.time.Instant.now()) : -1);
            CutReport r = AofCutter.plan(dir, p);
            assertThat(r.cut().file() + ":" + r.cut().offset()).as("hint %s", h).isEqualTo(f.position());
        }
        assertThat(log(LogFilter.all()).get(0).cutHint()).isNull();
    }
}
