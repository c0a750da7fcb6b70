package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbType;
import io.redback.rdb.RdbVisitor;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Converting the RDBs written by newer releases for Redis 7.0 keeps every value: each key's
 * digest (as DEBUG DIGEST-VALUE computes it) is the same read back from the converted file, the
 * file is RDB 10 and checks as valid, and hashes with field TTLs follow the --lossy policy.
 */
@io.redback.testsupport.Fast
class RdbConversionTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final RdbTarget REDIS_70 = RdbTarget.parse("redis:7.0");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"redis-7.2.6", "redis-7.4.1", "redis-8.0-m01", "valkey-8.0.1", "valkey-unstable-20241025",
            "redis-7.0.15-debian"})
    void everyValueReadsBackTheSameForRedis70(String release) throws Exception {
        Path in = fixture(release + "/dump.rdb");
        Path out = dir.resolve("out.rdb");
        RdbConversion.Report r = new RdbConversion(REDIS_70, Lossy.DROP_FIELD_TTL, NOW).run(in, out);

        assertThat(r.problem()).isNull();
        assertThat(r.ok()).isTrue();
        assertThat(r.check().header().version()).isEqualTo(10);
        Set<String> lossy = new HashSet<>();
        Map<String, String> before = digests(in, lossy);
        Map<String, String> after = digests(out, new HashSet<>());
        assertThat(r.lossy()).isEqualTo(lossy.size());
        for (String k : lossy) {
            before.remove(k);
            after.remove(k); // without its field TTLs (and fields expired by NOW): another digest
        }
        assertThat(after).isEqualTo(before);
        if (!release.startsWith("redis-7.0")) {
            assertThat(r.reencoded()).isPositive();
            assertThat(r.changes()).containsKey("set listpack -> hashtable (plain)");
        } else {
            assertThat(r.reencoded()).isZero();
        }
        // Every key type in the output is one Redis 7.0 reads.
        try (InputStream s = new BufferedInputStream(Files.newInputStream(out))) {
            new RdbReader(s).read(new RdbVisitor() {
                @Override
                public boolean wantsValues() {
                    return false;
                }

                @Override
                public void startKey(RdbKey key) {
                    assertThat(REDIS_70.reads(key.type())).as(key.printableName() + " " + key.type()).isTrue();
                }
            });
        }
    }

    @Test
    void fieldTtlsRefusedByDefaultAndNothingWritten() throws Exception {
        Path out = dir.resolve("out.rdb");
        RdbConversion.Report r = new RdbConversion(REDIS_70, Lossy.FAIL, NOW).run(fixture("redis-7.4.1/dump.rdb"), out);
        assertThat(r.written()).isFalse();
        assertThat(r.ok()).isFalse();
        assertThat(r.lossy()).isPositive();
        assertThat(r.lossyKeys()).isNotEmpty();
        assertThat(r.problem()).contains("nothing was written").contains(r.lossyKeys().get(0));
        assertThat(out).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void skipKeyLeavesTheHashesWithFieldTtlsOut() throws Exception {
        Path in = fixture("redis-7.4.1/dump.rdb");
        Path out = dir.resolve("out.rdb");
        RdbConversion.Report r = new RdbConversion(REDIS_70, Lossy.SKIP_KEY, NOW).run(in, out);
        assertThat(r.ok()).isTrue();
        Set<String> lossy = new HashSet<>();
        Map<String, String> before = digests(in, lossy);
        Map<String, String> after = digests(out, new HashSet<>());
        assertThat(r.skipped()).isEqualTo(lossy.size());
        lossy.forEach(before::remove);
        assertThat(after).isEqualTo(before);
    }

    @Test
    void moduleAuxRecordsGoIntoTheSourcesFamilyAndAreRefusedElsewhere() throws Exception {
        Path in = dir.resolve("module-aux.rdb");
        Files.write(in, withModuleAux());
        Path out = dir.resolve("out.rdb");
        RdbConversion.Report same = new RdbConversion(REDIS_70, Lossy.FAIL, NOW).run(in, out);
        assertThat(same.problem()).isNull();
        assertThat(same.ok()).isTrue();
        java.util.List<String> modules = new java.util.ArrayList<>();
        try (InputStream s = new BufferedInputStream(Files.newInputStream(out))) {
            new RdbReader(s).read(new RdbVisitor() {
                @Override
                public void moduleAux(String module, int encodingVersion, int when) {
                    modules.add(module + "/" + encodingVersion + "/" + when);
                }
            });
        }
        assertThat(modules).containsExactly("testmod01/3/2");
        assertThat(same.keys()).isEqualTo(1);

        Path other = dir.resolve("other.rdb");
        RdbConversion.Report refused = new RdbConversion(RdbTarget.parse("valkey:8.0"), Lossy.FAIL, NOW).run(in, other);
        assertThat(refused.ok()).isFalse();
        assertThat(refused.problem()).contains("1 module aux record(s) (testmod01)").contains("valkey 8.0")
                .contains("redis");
        assertThat(other).doesNotExist();
    }

    /** A Redis 7.2 file with one module aux record (module testmod01, encoding version 3, after the keyspace) and a key. */
    private static byte[] withModuleAux() {
        RdbBytes f = new RdbBytes();
        f.write("REDIS0011".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        f.write(0xFA); // aux
        f.string("redis-ver".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        f.string("7.2.6".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        String charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        long id = 0;
        for (char ch : "testmod01".toCharArray()) {
            id = (id << 6) | charset.indexOf(ch);
        }
        id = (id << 10) | 3;
        f.write(0xF7); // module aux
        f.write(0x81); // a 64-bit length: the module id
        for (int i = 7; i >= 0; i--) {
            f.write((int) (id >>> (8 * i)) & 0xFF);
        }
        f.length(2); // the UINT sub-opcode
        f.length(2); // when: after the keyspace
        f.length(2); // the module's own data: one UINT, 5
        f.length(5);
        f.length(0); // module EOF
        f.write(0xFE);
        f.length(0);
        f.write(0); // a string key
        f.string("k".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        f.string("v".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        f.write(0xFF);
        f.int64le(io.redback.rdb.Crc64.update(0, f.array(), 0, f.size()));
        return f.toArray();
    }

    @Test
    void aTargetThatReadsEverythingGetsTheValuesAsTheyAre() throws Exception {
        Path in = fixture("redis-7.2.6/dump.rdb");
        Path out = dir.resolve("out.rdb");
        RdbConversion.Report r = new RdbConversion(RdbTarget.parse("valkey:8.0"), Lossy.FAIL, NOW).run(in, out);
        assertThat(r.ok()).isTrue();
        assertThat(r.reencoded()).isZero();
        assertThat(r.asIs()).isEqualTo(r.keys());
        assertThat(digests(out, new HashSet<>())).isEqualTo(digests(in, new HashSet<>()));
    }

    @Test
    void streamsGoDownToTheOlderTypes() throws Exception {
        Path in = fixture("redis-7.2.6/dump.rdb");
        Path out = dir.resolve("out.rdb");
        RdbConversion.Report r = new RdbConversion(REDIS_70, Lossy.FAIL, NOW).run(in, out);
        assertThat(r.changes()).containsKey("stream stream-v3 -> stream-v2");
    }

    /** Streams for Redis 5 to 6.2: v3 becomes v1 (no v2 metadata, no active time) with the same entries. */
    @Test
    void streamsGoDownToVersionOne() throws Exception {
        Path in = fixture("redis-7.2.6/dump.rdb");
        RdbTarget redis62 = RdbTarget.parse("redis:6.2");
        Reencoder reencoder = new Reencoder(redis62, NOW);
        Map<String, String> before = new TreeMap<>();
        Map<String, String> after = new TreeMap<>();
        java.util.List<byte[]> files = new java.util.ArrayList<>();
        try (InputStream s = new BufferedInputStream(Files.newInputStream(in))) {
            KeyDigest digest = new KeyDigest(KeyDigest.ScoreFormat.SHORTEST, (key, d) -> {
                if (key.type().dataType().equals("stream")) {
                    before.put(key.printableName(), KeyDigest.hex(d));
                }
            });
            new RdbReader(s).read(new RdbVisitor() {
                private boolean stream;

                @Override
                public void startKey(RdbKey key) {
                    digest.startKey(key);
                    stream = key.type().dataType().equals("stream");
                    if (stream) {
                        assertThat(Reencoder.form(key.type(), redis62)).isEqualTo(Reencoder.Form.REENCODE);
                        reencoder.start(key.type());
                    }
                }

                @Override
                public RawValueSink rawValue(RdbKey key) {
                    return stream ? reencoder::raw : null;
                }

                @Override
                public void element(io.redback.rdb.Element e) {
                    digest.element(e);
                }

                @Override
                public void endKey(RdbKey key, long elements, long valueBytes) {
                    digest.endKey(key, elements, valueBytes);
                    if (stream) {
                        RdbBytes file = new RdbBytes();
                        file.write("REDIS0009".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                        file.write(0xFE);
                        file.length(0);
                        RdbBytes value = new RdbBytes();
                        file.write(reencoder.finish(value));
                        file.string(key.name());
                        file.write(value.array(), 0, value.size());
                        file.write(0xFF);
                        file.int64le(io.redback.rdb.Crc64.update(0, file.array(), 0, file.size()));
                        files.add(file.toArray());
                    }
                }
            });
        }
        assertThat(files).isNotEmpty();
        for (byte[] file : files) {
            new RdbReader(new java.io.ByteArrayInputStream(file)).read(new KeyDigest(KeyDigest.ScoreFormat.SHORTEST,
                    (key, d) -> {
                        assertThat(key.type()).isEqualTo(RdbType.STREAM_LISTPACKS);
                        after.put(key.printableName(), KeyDigest.hex(d));
                    }));
        }
        assertThat(after).isEqualTo(before);
    }

    @Test
    void targetsFromInfoAndFromNames() {
        assertThat(RdbTarget.of("redis", "7.0.15").rdbVersion()).isEqualTo(10);
        assertThat(RdbTarget.of("valkey", "8.0.1").rdbVersion()).isEqualTo(11);
        assertThat(RdbTarget.parse("redis:7.4").rdbVersion()).isEqualTo(12);
        assertThat(RdbTarget.parse("valkey:8.0").fileVersion()).isEqualTo(11);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RdbTarget.parse("valkey:9.0"))
                .isInstanceOf(IllegalArgumentException.class);
        RdbTarget r70 = RdbTarget.of("redis", "7.0.15");
        assertThat(r70.reads(RdbType.SET_LISTPACK)).isFalse();
        assertThat(r70.reads(RdbType.HASH_LISTPACK)).isTrue();
        assertThat(Reencoder.form(RdbType.HASH_LISTPACK_EX, r70)).isEqualTo(Reencoder.Form.LOSSY);
        assertThat(Reencoder.form(RdbType.STREAM_LISTPACKS_3, r70)).isEqualTo(Reencoder.Form.REENCODE);
        assertThat(r70.payloadVersion(new RdbHeader("REDIS", 12))).isEqualTo(10);
        assertThat(r70.payloadVersion(new RdbHeader("VALKEY", 80))).isEqualTo(10);
        assertThat(RdbTarget.of("valkey", "8.0.1").payloadVersion(new RdbHeader("REDIS", 12))).isEqualTo(11);
        assertThat(Lossy.parse("drop-field-ttl")).isEqualTo(Lossy.DROP_FIELD_TTL);
    }

    /** db:key to digest; keys with field TTLs go into {@code lossy}. */
    static Map<String, String> digests(Path rdb, Set<String> lossy) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (InputStream s = new BufferedInputStream(Files.newInputStream(rdb))) {
            new RdbReader(s).read(new KeyDigest(KeyDigest.ScoreFormat.SHORTEST, (key, digest) -> {
                String k = key.db() + ":" + key.printableName();
                out.put(k, digest == null ? "module" : KeyDigest.hex(digest));
                if (Reencoder.hasFieldTtls(key.type())) {
                    lossy.add(k);
                }
            }));
        }
        return out;
    }

    static Path fixture(String name) throws Exception {
        URL url = RdbConversionTest.class.getResource("/fixtures/" + name);
        assertThat(url).as(name).isNotNull();
        return Path.of(url.toURI());
    }
}
