package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Layouts that the servers at hand do not write (Redis 7.4 release candidates, Valkey 9, Redis
 * 8.6+, old opcodes), built byte by byte from the format reference.
 */
@io.redback.testsupport.Fast
class SyntheticLayoutsTest {

    /** Records what the reader delivers as text lines. */
    static final class Log implements RdbVisitor {
        final List<String> lines = new ArrayList<>();

        @Override
        public void startKey(RdbKey key) {
            lines.add("key " + key.db() + " " + key.nameUtf8() + " " + key.type()
                    + (key.hasExpiry() ? " exp=" + key.expireAtMs() : "")
                    + (key.idleSeconds() >= 0 ? " idle=" + key.idleSeconds() : "")
                    + (key.lfuFreq() >= 0 ? " freq=" + key.lfuFreq() : ""));
        }

        @Override
        public void element(Element e) {
            lines.add("  " + e.role() + " " + e);
        }

        @Override
        public void moduleAux(String module, int encodingVersion, int when) {
            lines.add("moduleaux " + module + " " + encodingVersion + " " + when);
        }

        @Override
        public void moduleValue(String module, int encodingVersion) {
            lines.add("  module " + module + " " + encodingVersion);
        }

        @Override
        public void function(byte[] code) {
            lines.add("function " + new String(code, StandardCharsets.UTF_8));
        }

        @Override
        public void slotInfo(long slot, long keys, long expires) {
            lines.add("slot " + slot + " " + keys + " " + expires);
        }

        @Override
        public void streamMeta(StreamMeta m) {
            lines.add("  meta " + m);
        }

        @Override
        public void streamGroup(StreamGroup g) {
            lines.add("  group " + new String(g.name(), StandardCharsets.UTF_8) + " last=" + g.lastId()
                    + " read=" + g.entriesRead() + " pel=" + g.pendingCount());
        }

        @Override
        public void streamConsumer(StreamConsumer c) {
            lines.add("  consumer " + new String(c.name(), StandardCharsets.UTF_8) + " active=" + c.activeTimeMs()
                    + " pel=" + c.pendingCount());
        }
    }

    static Log read(byte[] rdb) throws Exception {
        Log log = new Log();
        new RdbReader(new ByteArrayInputStream(rdb)).read(log);
        return log;
    }

    static RdbException failure(byte[] rdb) {
        try {
            read(rdb);
        } catch (RdbException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected an RdbException, got " + e, e);
        }
        throw new AssertionError("expected the read to fail");
    }

    @Test
    void valkey9HeaderAndItsHash2TypeAreRead() throws Exception {
        byte[] rdb = RdbBuilder.valkey(80).aux("valkey-ver", "9.0.0").selectDb(0)
                .key(22, "h").len(2).str("f1").str("v1").le(1_900_000_000_000L, 8).str("f2").str("v2").le(-1, 8)
                .end();
        assertThat(read(rdb).lines).containsExactly(
                "key 0 h VALKEY_HASH_2",
                "  HASH_FIELD f1", "  HASH_VALUE v1", "  HASH_FIELD_EXPIRY 1900000000000",
                "  HASH_FIELD f2", "  HASH_VALUE v2");
    }

    @Test
    void valkeyMagicBelowVersion80IsDamage() {
        assertThat(failure(RdbBuilder.valkey(11).end()).kind()).isEqualTo(RdbException.Kind.DAMAGED);
    }

    @Test
    void redis13IsRecognisedAndItsNewStreamTypeIsReportedPrecisely() {
        byte[] rdb = RdbBuilder.redis(13).selectDb(0).key(26, "s").len(0).end();
        RdbException e = failure(rdb);
        assertThat(e.kind()).isEqualTo(RdbException.Kind.UNSUPPORTED);
        assertThat(e.offset()).isEqualTo(11);
        assertThat(e.getMessage()).contains("Redis 8.6").contains("0x1A");
    }

    @Test
    void keyMetaOpcodeOfRedis86IsReportedNotSkipped() {
        RdbException e = failure(RdbBuilder.redis(13).selectDb(0).u8(243).end());
        assertThat(e.kind()).isEqualTo(RdbException.Kind.UNSUPPORTED);
        assertThat(e.getMessage()).contains("KEY_META");
    }

    @Test
    void versionsNewerThanKnownAreRefused() {
        RdbException e = failure(RdbBuilder.redis(15).end());
        assertThat(e.kind()).isEqualTo(RdbException.Kind.TOO_NEW);
        assertThat(e.getMessage()).contains("15");
        assertThat(failure(RdbBuilder.valkey(90).end()).kind()).isEqualTo(RdbException.Kind.TOO_NEW);
    }

    @Test
    void hashMetadataGaStoresTtlsRelativeToTheMinimum() throws Exception {
        long min = 1_800_000_000_000L;
        byte[] rdb = RdbBuilder.redis(12).selectDb(0)
                .key(24, "h").le(min, 8).len(2).len(0).str("a").str("1").len(6).str("b").str("2").end();
        assertThat(read(rdb).lines).containsExactly("key 0 h HASH_METADATA",
                "  HASH_FIELD a", "  HASH_VALUE 1",
                "  HASH_FIELD b", "  HASH_VALUE 2", "  HASH_FIELD_EXPIRY " + (min + 5));
    }

    @Test
    void hashMetadataPreGaStoresAbsoluteTtls() throws Exception {
        byte[] rdb = RdbBuilder.redis(12).selectDb(0)
                .key(22, "h").len(1).len(1_800_000_000_000L).str("a").str("1").end();
        assertThat(read(rdb).lines).containsExactly("key 0 h HASH_METADATA_PRE_GA",
                "  HASH_FIELD a", "  HASH_VALUE 1", "  HASH_FIELD_EXPIRY 1800000000000");
    }

    @Test
    void hashListpackWithTtlsMustListVolatileFieldsFirstInOrder() throws Exception {
        byte[] good = new ListpackWriter().addBytes(b("a")).addBytes(b("1")).addInteger(1000)
                .addBytes(b("b")).addBytes(b("2")).addInteger(2000)
                .addBytes(b("c")).addBytes(b("3")).addInteger(0).toByteArray();
        byte[] rdb = RdbBuilder.redis(12).selectDb(0).key(25, "h").le(1000, 8).str(good).end();
        assertThat(read(rdb).lines).hasSize(1 + 3 + 3 + 2);

        byte[] bad = new ListpackWriter().addBytes(b("a")).addBytes(b("1")).addInteger(0)
                .addBytes(b("b")).addBytes(b("2")).addInteger(2000).toByteArray();
        RdbException e = failure(RdbBuilder.redis(12).selectDb(0).key(25, "h").le(0, 8).str(bad).end());
        assertThat(e.getMessage()).contains("out of order").contains("in key \"h\"");

        byte[] preGa = RdbBuilder.redis(12).selectDb(0).key(23, "h").str(good).end();
        assertThat(read(preGa).lines.get(0)).isEqualTo("key 0 h HASH_LISTPACK_EX_PRE_GA");
    }

    @Test
    void prefixOpcodesAreAcceptedInAnyOrderAndSecondsExpiryIsConverted() throws Exception {
        byte[] rdb = RdbBuilder.redis(9).selectDb(3)
                .u8(0xF8).len(77).u8(0xFD).le(1_700_000_000L, 4).key(0, "a").str("x")
                .u8(0xF9).u8(5).u8(0xFC).le(1_700_000_000_123L, 8).key(0, "b").str("y")
                .end();
        assertThat(read(rdb).lines).containsExactly(
                "key 3 a STRING exp=1700000000000 idle=77", "  STRING_VALUE x",
                "key 3 b STRING exp=1700000000123 freq=5", "  STRING_VALUE y");
    }

    @Test
    void functionsModuleAuxAndModuleValuesAreWalked() throws Exception {
        long moduleId = 0L;
        for (char c : "mymodule1".toCharArray()) {
            moduleId = (moduleId << 6) | "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".indexOf(c);
        }
        moduleId = (moduleId << 10) | 3;
        byte[] rdb = RdbBuilder.redis(10)
                .u8(0xF7).len(moduleId).len(2).len(1).len(2).len(42).len(0)
                .u8(0xF6).str("fn").str("LUA").len(1).str("desc").str("return 1")
                .u8(0xF5).str("#!lua name=lib\nredis.register_function('f', function() return 1 end)")
                .u8(0xF4).len(7).len(1).len(0)
                .selectDb(0)
                .key(7, "m").len(moduleId).len(2).len(9).len(3).le(Float.floatToIntBits(1.5f), 4)
                .len(4).le(Double.doubleToLongBits(2.5), 8).len(5).str("hello").len(0)
                .end();
        assertThat(read(rdb).lines).containsExactly(
                "moduleaux mymodule1 3 1",
                "function return 1",
                "function #!lua name=lib\nredis.register_function('f', function() return 1 end)",
                "slot 7 1 0",
                "key 0 m MODULE_2", "  module mymodule1 3",
                "  MODULE_VALUE 9", "  MODULE_VALUE 1.5", "  MODULE_VALUE 2.5", "  MODULE_VALUE hello");
    }

    @Test
    void moduleSubOpcodeOutOfRangeIsDamage() {
        byte[] rdb = RdbBuilder.redis(10).selectDb(0).key(7, "m").len(1024).len(6).end();
        RdbException e = failure(rdb);
        assertThat(e.kind()).isEqualTo(RdbException.Kind.DAMAGED);
        assertThat(e.getMessage()).contains("sub-opcode 6");
    }

    static byte[] streamNode() {
        // master entry: count 2, deleted 1, 1 master field "f", terminator 0
        // entries: (flags SAMEFIELDS, +0ms, +0seq, value "v1", lp-count 4)
        //          (flags DELETED|SAMEFIELDS, +1, 0, "v2", 4)
        //          (flags 0, +2, 0, 2 fields g=x h=y, lp-count 8)
        return new ListpackWriter().addInteger(2).addInteger(1).addInteger(1).addBytes(b("f")).addInteger(0)
                .addInteger(2).addInteger(0).addInteger(0).addBytes(b("v1")).addInteger(4)
                .addInteger(3).addInteger(1).addInteger(0).addBytes(b("v2")).addInteger(4)
                .addInteger(0).addInteger(2).addInteger(0).addInteger(2).addBytes(b("g")).addBytes(b("x"))
                .addBytes(b("h")).addBytes(b("y")).addInteger(8)
                .toByteArray();
    }

    @Test
    void streamV3WithGroupsConsumersAndUnknownEntriesRead() throws Exception {
        byte[] rdb = RdbBuilder.redis(11).selectDb(0).key(21, "s")
                .len(1).str(new RdbBuilder().streamId(100, 0).raw(new byte[0]).end0()).str(streamNode())
                .len(2).len(102).len(0) // length, last id
                .len(100).len(0).len(101).len(0).len(3) // first id, max deleted, entries added
                .len(1).str("g").len(100).len(0).u8(0x81).be(-1L, 8) // group g, last id, entries_read -1
                .len(1).streamId(100, 0).le(1_700_000_000_000L, 8).len(2) // PEL
                .len(1).str("c").le(1L, 8).le(2L, 8).len(1).streamId(100, 0) // consumer with its PEL
                .end();
        assertThat(read(rdb).lines).containsExactly(
                "key 0 s STREAM_LISTPACKS_3",
                "  STREAM_ENTRY_ID 100-0", "  STREAM_FIELD f", "  STREAM_VALUE v1",
                "  STREAM_ENTRY_ID 102-0", "  STREAM_FIELD g", "  STREAM_VALUE x", "  STREAM_FIELD h", "  STREAM_VALUE y",
                "  meta StreamMeta[length=2, lastId=102-0, firstId=100-0, maxDeletedId=101-0, entriesAdded=3]",
                "  group g last=100-0 read=-1 pel=1",
                "  consumer c active=2 pel=1");
    }

    @Test
    void consumerPendingEntryMissingFromItsGroupIsDamage() {
        byte[] rdb = RdbBuilder.redis(11).selectDb(0).key(21, "s")
                .len(1).str(new RdbBuilder().streamId(100, 0).end0()).str(streamNode())
                .len(2).len(102).len(0).len(100).len(0).len(101).len(0).len(3)
                .len(1).str("g").len(100).len(0).len(1)
                .len(0) // empty group PEL
                .len(1).str("c").le(1L, 8).le(2L, 8).len(1).streamId(100, 0)
                .end();
        assertThat(failure(rdb).getMessage()).contains("not in the pending list of group \"g\"");
    }

    @Test
    void streamNodeWithWrongLpCountIsDamage() {
        byte[] node = new ListpackWriter().addInteger(1).addInteger(0).addInteger(1).addBytes(b("f")).addInteger(0)
                .addInteger(2).addInteger(0).addInteger(0).addBytes(b("v1")).addInteger(5).toByteArray();
        byte[] rdb = RdbBuilder.redis(11).selectDb(0).key(21, "s")
                .len(1).str(new RdbBuilder().streamId(100, 0).end0()).str(node)
                .len(1).len(100).len(0).len(100).len(0).len(0).len(0).len(1).len(0).end();
        assertThat(failure(rdb).getMessage()).contains("lp-count 5").contains("expected 4");
    }

    @Test
    void nanScoreAndEmptyCollectionsAndDuplicatesAreDamage() {
        assertThat(failure(RdbBuilder.redis(9).selectDb(0).key(5, "z").len(1).str("m")
                .le(Double.doubleToLongBits(Double.NaN), 8).end()).getMessage()).contains("NaN");
        assertThat(failure(RdbBuilder.redis(9).selectDb(0).key(2, "s").len(0).end()).getMessage())
                .contains("no elements");
        assertThat(failure(RdbBuilder.redis(9).selectDb(0).key(2, "s").len(2).str("a").str("a").end()).getMessage())
                .contains("duplicate member");
        assertThat(failure(RdbBuilder.redis(9).selectDb(0).key(4, "h").len(2).str("a").str("1").str("a").str("2")
                .end()).getMessage()).contains("duplicate field");
    }

    @Test
    void oldTextScoresIncludingInfinitiesAreRead() throws Exception {
        byte[] rdb = RdbBuilder.redis(6).selectDb(0).key(3, "z").len(3)
                .str("a").u8(3).raw(b("1.5")).str("b").u8(254).str("c").u8(255).end();
        assertThat(read(rdb).lines).containsExactly("key 0 z ZSET",
                "  ZSET_MEMBER a", "  ZSET_SCORE 1.5", "  ZSET_MEMBER b", "  ZSET_SCORE inf",
                "  ZSET_MEMBER c", "  ZSET_SCORE -inf");
    }

    @Test
    void checksumOfZeroMeansDisabledAndAWrongOneIsAMismatch() throws Exception {
        RdbBuilder b = RdbBuilder.redis(9).selectDb(0).key(0, "k").str("v");
        byte[] disabled = RdbBuilder.redis(9).selectDb(0).key(0, "k").str("v").end(false);
        assertThat(new RdbReader(new ByteArrayInputStream(disabled)).read(new Log()).checksum())
                .isEqualTo(ChecksumStatus.DISABLED);
        byte[] good = b.end();
        good[good.length - 1] ^= 1;
        assertThat(failure(good).kind()).isEqualTo(RdbException.Kind.CHECKSUM_MISMATCH);
    }

    @Test
    void aValueCanBeHandedOverAsItsExactRawBytes() throws Exception {
        byte[] lp = new ListpackWriter().addBytes(b("a")).addBytes(b("1")).toByteArray();
        byte[] rdb = RdbBuilder.redis(10).selectDb(0).key(16, "h").str(lp).key(0, "s").str("plain").end();
        java.io.ByteArrayOutputStream raw = new java.io.ByteArrayOutputStream();
        new RdbReader(new ByteArrayInputStream(rdb), 8).read(new RdbVisitor() {
            @Override
            public RawValueSink rawValue(RdbKey key) {
                return raw::write;
            }
        });
        java.io.ByteArrayOutputStream expected = new java.io.ByteArrayOutputStream();
        expected.write(lp.length);
        expected.writeBytes(lp);
        expected.write(5);
        expected.writeBytes(b("plain"));
        assertThat(raw.toByteArray()).isEqualTo(expected.toByteArray());
    }

    @Test
    void unknownTypeByteIsReportedWithItsOffset() {
        byte[] rdb = RdbBuilder.redis(11).selectDb(0).key(0, "ok").str("v").u8(0x30).end();
        RdbException e = failure(rdb);
        assertThat(e.offset()).isEqualTo(9 + 2 + 1 + 3 + 2);
        assertThat(e.getMessage()).contains("0x30");
    }

    @Test
    void aPackedListNodeBiggerThanTheInputBufferStreamsAndIsStillValidated() throws Exception {
        byte[] big = new byte[3 << 20];
        new java.util.Random(1).nextBytes(big);
        byte[] lp = new ListpackWriter().addBytes(b("head")).addInteger(-5000).addBytes(big).addInteger(7)
                .toByteArray();
        byte[] rdb = RdbBuilder.redis(11).selectDb(0).key(18, "l").len(1).len(2).str(lp).end();
        java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
        List<String> small = new ArrayList<>();
        long[] counted = new long[1];
        new RdbReader(new ByteArrayInputStream(rdb), 1 << 20).read(new RdbVisitor() {
            @Override
            public void element(Element e) {
                if (e.totalLength() == big.length) {
                    got.write(e.array(), e.offset(), e.length());
                } else {
                    small.add(e.toString());
                }
            }

            @Override
            public void endKey(RdbKey key, long elements, long valueBytes) {
                counted[0] = elements;
            }
        });
        assertThat(got.toByteArray()).isEqualTo(big);
        assertThat(small).containsExactly("head", "-5000", "7");
        assertThat(counted[0]).isEqualTo(4);

        byte[] badBacklen = lp.clone();
        badBacklen[lp.length - 2] ^= 1; // the backlen of the last entry, just before the terminator
        byte[] damaged = RdbBuilder.redis(11).selectDb(0).key(18, "l").len(1).len(2).str(badBacklen).end();
        assertThat(failure(damaged).kind()).isEqualTo(RdbException.Kind.DAMAGED);

        byte[] badCount = lp.clone();
        badCount[4] = 9;
        assertThat(failure(RdbBuilder.redis(11).selectDb(0).key(18, "l").len(1).len(2).str(badCount).end())
                .getMessage()).contains("counts 9 entries, it holds 4");
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
