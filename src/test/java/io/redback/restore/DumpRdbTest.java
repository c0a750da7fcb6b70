package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.rdb.ChecksumStatus;
import io.redback.rdb.Crc64;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbSummary;
import io.redback.rdb.RdbVisitor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An RDB made of DUMP payloads reads back as the keys, expiries, databases and functions put in;
 * a payload whose CRC64 is wrong, or whose RDB version is newer than the header's, is refused.
 */
@io.redback.testsupport.Fast
class DumpRdbTest {
    @Test
    void payloadsBecomeAnRdbThatReadsBackWithTheirExpiriesAndDatabases() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DumpRdb rdb = new DumpRdb(out, 10);
        rdb.aux("redis-ver", "7.0.15");
        rdb.functions(functionDump("#!lua name=lib\nredis.register_function('f', function() return 1 end)", 10));
        rdb.selectDb(0);
        rdb.key(bytes("plain"), false, 0, stringDump("hello", 10));
        rdb.key(bytes("lives"), true, 4102444800123L, stringDump("long", 9)); // an older payload fits
        rdb.selectDb(3);
        rdb.key(bytes("three"), false, 0, stringDump("x", 10));
        rdb.finish();

        List<String> seen = new ArrayList<>();
        RdbSummary summary = new RdbReader(new ByteArrayInputStream(out.toByteArray())).read(new RdbVisitor() {
            @Override
            public void function(byte[] code) {
                seen.add("function " + new String(code, StandardCharsets.UTF_8).lines().findFirst().orElse(""));
            }

            @Override
            public void endKey(RdbKey key, long elements, long valueBytes) {
                seen.add(key.db() + ":" + key.printableName() + (key.hasExpiry() ? "@" + key.expireAtMs() : ""));
            }
        });
        assertThat(summary.header().label()).isEqualTo("REDIS0010");
        assertThat(summary.checksum()).isEqualTo(ChecksumStatus.VERIFIED);
        assertThat(seen).containsExactly("function #!lua name=lib", "0:plain", "0:lives@4102444800123", "3:three");
    }

    @Test
    void valkeyNineWritesItsOwnHeader() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new DumpRdb(out, 80).finish();
        assertThat(new String(out.toByteArray(), 0, 9, StandardCharsets.US_ASCII)).isEqualTo("VALKEY080");
    }

    @Test
    void aNewerOrDamagedPayloadIsRefused() throws Exception {
        DumpRdb rdb = new DumpRdb(new ByteArrayOutputStream(), 10);
        assertThatThrownBy(() -> rdb.key(bytes("k"), false, 0, stringDump("v", 11)))
                .isInstanceOf(IOException.class).hasMessageContaining("RDB version 11");
        byte[] damaged = stringDump("v", 10);
        damaged[1] ^= 1;
        assertThatThrownBy(() -> rdb.key(bytes("k"), false, 0, damaged))
                .isInstanceOf(IOException.class).hasMessageContaining("CRC64");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** DUMP of a short string: type 0, the string (6-bit length), version, CRC64. */
    private static byte[] stringDump(String value, int version) {
        byte[] v = bytes(value);
        byte[] body = new byte[2 + v.length];
        body[0] = 0;
        body[1] = (byte) v.length;
        System.arraycopy(v, 0, body, 2, v.length);
        return withFooter(body, version);
    }

    /** FUNCTION DUMP of one library: a FUNCTION2 record (0xF5, the code as a string), version, CRC64. */
    private static byte[] functionDump(String code, int version) {
        byte[] c = bytes(code);
        byte[] body = new byte[3 + c.length];
        body[0] = (byte) 0xF5;
        body[1] = (byte) (0x40 | (c.length >>> 8));
        body[2] = (byte) c.length;
        System.arraycopy(c, 0, body, 3, c.length);
        return withFooter(body, version);
    }

    private static byte[] withFooter(byte[] body, int version) {
        byte[] p = new byte[body.length + 10];
        System.arraycopy(body, 0, p, 0, body.length);
        p[body.length] = (byte) version;
        p[body.length + 1] = (byte) (version >>> 8);
        long crc = Crc64.update(0, p, 0, body.length + 2);
        for (int i = 0; i < 8; i++) {
            p[body.length + 2 + i] = (byte) (crc >>> (8 * i));
        }
        return p;
    }
}
