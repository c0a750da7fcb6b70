package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Cutting hand-made AOFs, where every offset is known. */
@io.redback.testsupport.Fast
class AofCutterTest {
    @TempDir
    Path tmp;

    private static CutPoint before(String pattern) {
        return new CutPoint.Before(CommandPattern.parse(pattern), -1);
    }

    private static byte[] prefix(byte[] b, long end) {
        return Arrays.copyOf(b, (int) end);
    }

    @Test
    void atInsideAMultiNeverSplitsTheTransaction() throws Exception {
        AofBytes a = new AofBytes().ts(100).cmd("SET", "a", "1");
        long multi = a.at();
        a.cmd("MULTI").cmd("SET", "b", "2").ts(101).cmd("SET", "c", "3").cmd("EXEC").ts(102).cmd("SET", "d", "4");
        Path src = a.write(tmp.resolve("in.aof"));

        CutReport r = AofCutter.cut(src, new CutPoint.At(100), tmp.resolve("out.aof"), false);

        assertThat(r.cut().offset()).isEqualTo(multi);
        assertThat(r.cut().adjustment()).isEqualTo(CutReport.Adjustment.BEFORE_MULTI);
        assertThat(Files.readAllBytes(tmp.resolve("out.aof"))).isEqualTo(prefix(a.bytes(), multi));
        assertThat(r.kept().commands()).isEqualTo(1);
        assertThat(r.dropped().commands()).isEqualTo(5);
        assertThat(r.dropped().transactions()).isEqualTo(1);
        assertThat(r.notes()).anyMatch(n -> n.contains("MULTI/EXEC block"));
    }

    @Test
    void atCutsAtTheFirstLaterAnnotationAndKeepsEverythingWhenNoneIsLater() throws Exception {
        AofBytes a = new AofBytes().ts(100).cmd("SET", "a", "1").ts(105).cmd("SET", "b", "2");
        long second = a.at();
        a.ts(107).cmd("SET", "c", "3");
        Path src = a.write(tmp.resolve("in.aof"));

        CutReport at106 = AofCutter.plan(src, new CutPoint.At(106));
        assertThat(at106.cut().offset()).isEqualTo(second);
        assertThat(at106.cut().stopTime()).isEqualTo(107);
        assertThat(at106.kept().lastTime()).isEqualTo(105);

        CutReport at107 = AofCutter.plan(src, new CutPoint.At(107));
        assertThat(at107.found()).isFalse();
        assertThat(at107.kept().commands()).isEqualTo(3);
        assertThat(at107.notes()).anyMatch(n -> n.contains("everything is kept"));

        CutReport at99 = AofCutter.plan(src, new CutPoint.At(99));
        assertThat(at99.cut().offset()).isZero();
        assertThat(at99.notes()).anyMatch(n -> n.contains("nothing of the command history is kept"));
    }

    @Test
    void offsetOnABoundaryIsExactAndInsideACommandRoundsDownAndSaysSo() throws Exception {
        AofBytes a = new AofBytes().cmd("SET", "a", "1");
        long setB = a.at();
        a.cmd("SET", "b", "2").cmd("SET", "c", "3");
        Path src = a.write(tmp.resolve("in.aof"));

        CutReport exact = AofCutter.plan(src, new CutPoint.Offset(null, setB));
        assertThat(exact.cut().offset()).isEqualTo(setB);
        assertThat(exact.cut().adjustment()).isEqualTo(CutReport.Adjustment.NONE);

        CutReport inside = AofCutter.cut(src, new CutPoint.Offset(null, setB + 5), tmp.resolve("o.aof"), false);
        assertThat(inside.cut().offset()).isEqualTo(setB);
        assertThat(inside.cut().requested()).isEqualTo(setB + 5);
        assertThat(inside.cut().adjustment()).isEqualTo(CutReport.Adjustment.ROUNDED_DOWN);
        assertThat(inside.notes()).anyMatch(n -> n.contains("not a command boundary") && n.contains("rounded down"));
        assertThat(Files.readAllBytes(tmp.resolve("o.aof"))).isEqualTo(prefix(a.bytes(), setB));

        CutReport end = AofCutter.plan(src, new CutPoint.Offset(null, a.at()));
        assertThat(end.dropped().commands()).isZero();
        assertThatThrownBy(() -> AofCutter.plan(src, new CutPoint.Offset(null, a.at() + 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has only " + a.at() + " bytes");
    }

    @Test
    void anOffsetInsideATransactionMovesBeforeItsMulti() throws Exception {
        AofBytes a = new AofBytes().cmd("SET", "a", "1");
        long multi = a.at();
        a.cmd("MULTI").cmd("INCR", "n");
        long exec = a.at();
        a.cmd("EXEC").cmd("SET", "z", "9");
        Path src = a.write(tmp.resolve("in.aof"));
        for (long at : new long[]{multi + 3, exec, exec + 2}) {
            CutReport r = AofCutter.plan(src, new CutPoint.Offset(null, at));
            assertThat(r.cut().offset()).as("offset %d", at).isEqualTo(multi);
        }
        assertThat(AofCutter.plan(src, new CutPoint.Offset(null, exec + 2)).cut().adjustment())
                .isEqualTo(CutReport.Adjustment.BEFORE_MULTI);
    }

    @Test
    void beforeStopsAtTheFirstMatchAtOrAfterTheGivenTime() throws Exception {
        AofBytes a = new AofBytes().ts(100);
        long firstDel = a.at();
        a.cmd("DEL", "user:1").ts(200).cmd("SET", "user:2", "x");
        long del = a.at();
        a.cmd("del", "user:2").cmd("FLUSHALL");
        Path src = a.write(tmp.resolve("in.aof"));

        CutReport first = AofCutter.plan(src, before("DEL user:*"));
        assertThat(first.cut().matched().offset()).isEqualTo(firstDel);
        CutReport after = AofCutter.plan(src, new CutPoint.Before(CommandPattern.parse("DEL user:*"), 150));
        assertThat(after.cut().offset()).isEqualTo(del);
        assertThat(after.cut().matched().command()).isEqualTo("del \"user:2\"");
        assertThat(after.cut().matched().time()).isEqualTo(200);
        assertThat(after.kept().commands()).isEqualTo(2);
        assertThat(after.dropped().commands()).isEqualTo(2);
        assertThat(AofCutter.plan(src, before("DEL session:*")).found()).isFalse();
    }

    @Test
    void noMatchWritesNothing() throws Exception {
        Path src = new AofBytes().cmd("SET", "a", "1").write(tmp.resolve("in.aof"));
        CutReport r = AofCutter.cut(src, before("FLUSHALL"), tmp.resolve("out"), false);
        assertThat(r.found()).isFalse();
        assertThat(r.output()).isNull();
        assertThat(tmp.resolve("out")).doesNotExist();
    }

    @Test
    void aMultiPartSetIsCutInAnyIncrFileAndTheLaterOnesLeaveTheManifest() throws Exception {
        byte[] base = Files.readAllBytes(Fixtures.root().resolve("redis-7.0.15-debian/appendonlydir/appendonly.aof.1.base.rdb"));
        AofBytes one = new AofBytes().ts(100).cmd("SELECT", "0").cmd("SET", "a", "1");
        long flush = one.at();
        one.cmd("FLUSHALL").cmd("SET", "b", "2");
        AofBytes two = new AofBytes().ts(101).cmd("SELECT", "0").cmd("SET", "c", "3");
        Path dir = AofBytes.set(tmp.resolve("src/appendonlydir"), base, one, two);
        Path out = tmp.resolve("cut/appendonlydir");

        CutReport r = AofCutter.cut(dir, before("FLUSHALL"), out, false);

        assertThat(Files.readString(out.resolve("appendonly.aof.manifest"))).isEqualTo(
                "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        assertThat(Files.readAllBytes(out.resolve("appendonly.aof.1.base.rdb"))).isEqualTo(base);
        assertThat(Files.readAllBytes(out.resolve("appendonly.aof.1.incr.aof"))).isEqualTo(prefix(one.bytes(), flush));
        assertThat(out.resolve("appendonly.aof.2.incr.aof")).doesNotExist();
        assertThat(r.files()).extracting(CutReport.FileOutcome::action).containsExactly(
                CutReport.Action.KEPT, CutReport.Action.CUT, CutReport.Action.DROPPED);
        assertThat(r.dropped().commands()).isEqualTo(4);
        assertThat(r.dropped().bytes()).isEqualTo(one.at() - flush + two.at());
        assertThat(r.base().format()).isEqualTo("RDB");
        // the source is untouched
        assertThat(Files.readAllBytes(dir.resolve("appendonly.aof.1.incr.aof"))).isEqualTo(one.bytes());

        CutReport named = AofCutter.plan(dir, CutPoint.Offset.parse("appendonly.aof.1.incr.aof:" + flush));
        assertThat(named.cut().file()).isEqualTo("appendonly.aof.1.incr.aof");
        assertThat(named.cut().offset()).isEqualTo(flush);
        assertThat(AofCutter.plan(dir, new CutPoint.Offset(null, 0)).cut().file()).isEqualTo("appendonly.aof.2.incr.aof");
        assertThatThrownBy(() -> AofCutter.plan(dir, CutPoint.Offset.parse("appendonly.aof.1.base.rdb:10")))
                .hasMessageContaining("is not an incr file").hasMessageContaining("appendonly.aof.2.incr.aof");
    }

    @Test
    void aSingleFileWithRdbPreambleBecomesABaseAndAnIncrFile() throws Exception {
        Path src = Fixtures.preamble();
        byte[] all = Files.readAllBytes(src);
        Path out = tmp.resolve("appendonlydir");

        CutReport r = AofCutter.cut(src, new CutPoint.Offset(null, all.length), out, false);

        assertThat(Files.readString(out.resolve("appendonly.aof.manifest"))).isEqualTo(
                "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n");
        assertThat(Files.readAllBytes(out.resolve("appendonly.aof.1.base.rdb")))
                .isEqualTo(prefix(all, Fixtures.PREAMBLE_RDB_END));
        assertThat(Files.readAllBytes(out.resolve("appendonly.aof.1.incr.aof")))
                .isEqualTo(Arrays.copyOfRange(all, Fixtures.PREAMBLE_RDB_END, all.length));
        assertThat(r.base().bytes()).isEqualTo(Fixtures.PREAMBLE_RDB_END);
        assertThatThrownBy(() -> AofCutter.plan(src, new CutPoint.Offset(null, 50)))
                .hasMessageContaining("inside the RDB preamble").hasMessageContaining("byte " + Fixtures.PREAMBLE_RDB_END);
    }

    @Test
    void theOutputMustBeNewUnlessForcedAndNeverTheSource() throws Exception {
        Path dir = AofBytes.set(tmp.resolve("src"), null, new AofBytes().cmd("SET", "a", "1").cmd("FLUSHALL"));
        Path out = Files.createDirectories(tmp.resolve("busy"));
        Files.writeString(out.resolve("old.manifest"), "file x seq 1 type i\n");

        assertThatThrownBy(() -> AofCutter.cut(dir, before("FLUSHALL"), out, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not empty");
        AofCutter.cut(dir, before("FLUSHALL"), out, true);
        assertThat(out.resolve("old.manifest")).doesNotExist();
        assertThat(out.resolve("appendonly.aof.manifest")).exists();

        assertThatThrownBy(() -> AofCutter.cut(dir, before("FLUSHALL"), dir, true))
                .hasMessageContaining("source is never modified");
        Path single = dir.resolve("appendonly.aof.1.incr.aof");
        assertThatThrownBy(() -> AofCutter.cut(single, before("FLUSHALL"), single, true))
                .hasMessageContaining("source is never modified");
        assertThatThrownBy(() -> AofCutter.cut(dir, before("FLUSHALL"), tmp.resolve("x.aof"), false))
                .hasMessageContaining("name a directory");
    }

    @Test
    void aLoneIncrFileOfASetIsCutWithAWarning() throws Exception {
        Path dir = AofBytes.set(tmp.resolve("src"), null, new AofBytes().cmd("SET", "a", "1").cmd("FLUSHALL"));
        CutReport r = AofCutter.plan(dir.resolve("appendonly.aof.1.incr.aof"), before("FLUSHALL"));
        assertThat(r.notes()).anyMatch(n -> n.startsWith("warning:") && n.contains("appendonly.aof.manifest"));
    }

    @Test
    void damageAfterTheCutIsCountedAroundButDamageBeforeItStopsTheCut() throws Exception {
        AofBytes a = new AofBytes().cmd("SET", "a", "1");
        long flush = a.at();
        a.cmd("FLUSHALL").cmd("SET", "b", "2");
        long tail = a.at();
        a.raw("*3\r\n$3\r\nSET\r\n$1\r\nc".getBytes());
        Path src = a.write(tmp.resolve("in.aof"));

        CutReport r = AofCutter.cut(src, before("FLUSHALL"), tmp.resolve("out.aof"), false);
        assertThat(r.cut().offset()).isEqualTo(flush);
        assertThat(r.dropped().partial()).isTrue();
        assertThat(r.dropped().commands()).isEqualTo(2);

        assertThatThrownBy(() -> AofCutter.plan(src, before("SET c")))
                .isInstanceOf(AofException.class).hasMessageContaining("in.aof");
        // exactly where the damage starts is still a cut: what check --fix would keep, as a copy
        CutReport atDamage = AofCutter.plan(src, new CutPoint.Offset(null, tail));
        assertThat(atDamage.cut().offset()).isEqualTo(tail);
        assertThat(atDamage.dropped().partial()).isTrue();
        assertThatThrownBy(() -> AofCutter.plan(src, new CutPoint.Offset(null, tail + 1)))
                .isInstanceOf(AofException.class);
    }
}
