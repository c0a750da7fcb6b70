package io.redback.rdb;

import static io.redback.rdb.Blobs.hex;
import static io.redback.rdb.Recorder.str;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class ZipmapTest {
    /** redis-tests hash-zipmap.rdb "hash" (Redis 2.x): f1 -> v1, f2 -> v2. */
    private static final byte[] REDIS_ZIPMAP = hex("0202663102007631026632020076 32ff");

    record Pair(byte[] key, byte[] value, int free) {}

    @Test
    void walks_a_zipmap_that_redis_wrote() throws Exception {
        Recorder r = new Recorder();
        assertThat(Zipmap.walk(REDIS_ZIPMAP, 0, REDIS_ZIPMAP.length, r)).isEqualTo(2);
        assertThat(r.items).containsExactly(str("f1"), str("v1"), str("f2"), str("v2"));
    }

    @Test
    void writer_reproduces_the_bytes_redis_wrote() {
        assertThat(new ZipmapWriter().put("f1".getBytes(), "v1".getBytes()).put("f2".getBytes(), "v2".getBytes())
                .toByteArray()).isEqualTo(REDIS_ZIPMAP);
    }

    @Property(tries = 500)
    void writer_then_walk_round_trips(@ForAll("pairs") List<Pair> pairs) throws Exception {
        byte[] zm = build(pairs);
        List<Object> expected = new ArrayList<>();
        for (Pair p : pairs) {
            expected.add(new Recorder.Str(p.key));
            expected.add(new Recorder.Str(p.value));
        }
        Recorder r = new Recorder();
        assertThat(Zipmap.walk(zm, 0, zm.length, r)).isEqualTo(pairs.size());
        assertThat(r.items).isEqualTo(expected);
        byte[] padded = Blobs.padded(zm);
        assertThat(Zipmap.walk(padded, 3, zm.length, null)).isEqualTo(pairs.size());
    }

    @Test
    void lengths_from_254_take_five_bytes() throws Exception {
        for (int n : new int[] {253, 254, 255, 70000}) {
            byte[] key = new byte[n];
            byte[] zm = new ZipmapWriter().put(key, new byte[n], 3).toByteArray();
            int lenBytes = n < 254 ? 1 : 5;
            assertThat(zm.length).isEqualTo(1 + 2 * (lenBytes + n) + 1 + 3 + 1);
            assertThat(Zipmap.walk(zm, 0, zm.length, null)).isEqualTo(1);
        }
    }

    @Test
    void count_254_means_unknown() throws Exception {
        ZipmapWriter w = new ZipmapWriter();
        for (int i = 0; i < 300; i++) {
            w.put(("k" + i).getBytes(), ("v" + i).getBytes());
        }
        byte[] zm = w.toByteArray();
        assertThat(zm[0] & 0xff).isEqualTo(254);
        assertThat(Zipmap.walk(zm, 0, zm.length, null)).isEqualTo(300);
    }

    // --- Each kind of damage is reported with what was expected and what was found ----------

    @Test
    void reports_damage() {
        assertThat(fail(hex("01"))).hasMessage("zipmap needs at least 2 bytes (count and terminator), blob has 1");
        assertThat(fail(hex("00ff"))).hasMessage("zipmap has no pairs");

        byte[] noEnd = REDIS_ZIPMAP.clone();
        noEnd[noEnd.length - 1] = 0;
        assertThat(fail(noEnd)).hasMessage("zipmap must end with 0xFF, last byte is 0x00");

        byte[] count = REDIS_ZIPMAP.clone();
        count[0] = 3;
        assertThat(fail(count)).hasMessage("zipmap header says 3 pairs, found 2");

        byte[] longKey = REDIS_ZIPMAP.clone();
        longKey[8] = 20; // second key length
        BlobException e = fail(longKey);
        assertThat(e).hasMessage("zipmap pair 1: key of 20 bytes runs past the terminator (6 bytes left)");
        assertThat(e.position()).isEqualTo(8);

        byte[] longValue = REDIS_ZIPMAP.clone();
        longValue[4] = 10; // first value length
        assertThat(fail(longValue))
                .hasMessage("zipmap pair 0: value of 10 bytes and 0 free bytes run past the terminator (9 bytes left)");

        byte[] freeTooBig = REDIS_ZIPMAP.clone();
        freeTooBig[5] = 10;
        assertThat(fail(freeTooBig).getMessage()).startsWith("zipmap pair 0: value of 2 bytes and 10 free bytes");

        byte[] bigLen = hex("01 fe010000 ff");
        assertThat(fail(bigLen)).hasMessage("zipmap pair 0: key length needs 5 bytes, only 4 before the terminator");

        byte[] early = REDIS_ZIPMAP.clone();
        early[8] = (byte) 0xFF; // terminator where the second pair starts
        BlobException t = fail(early);
        assertThat(t).hasMessage("zipmap terminator 0xFF at byte 8, expected only as the last byte (15)");
    }

    // --- Damage never escapes as anything but BlobException -------------------------------------

    @Property(tries = 1000)
    void any_single_byte_change_walks_or_is_rejected(@ForAll("smallPairs") List<Pair> pairs,
            @ForAll @IntRange(max = 1_000_000) int where, @ForAll byte value) {
        byte[] zm = build(pairs);
        zm[where % zm.length] = value;
        Blobs.assertWalksOrRejects(Zipmap::walk, 2, zm);
    }

    @Property(tries = 1000)
    void any_truncation_walks_or_is_rejected(@ForAll("smallPairs") List<Pair> pairs,
            @ForAll @IntRange(max = 1_000_000) int cut, @ForAll boolean keepTerminator) {
        byte[] zm = build(pairs);
        int len = cut % (zm.length + 1);
        byte[] t = Arrays.copyOf(zm, len);
        if (keepTerminator && len > 0) {
            t[len - 1] = (byte) 0xFF;
        }
        Blobs.assertWalksOrRejects(Zipmap::walk, 2, t);
    }

    @Test
    void every_byte_change_of_a_zipmap_walks_or_is_rejected() {
        Blobs.assertEveryByteChangeWalksOrRejects(Zipmap::walk, 2, REDIS_ZIPMAP);
        byte[] mixed = new ZipmapWriter().put(new byte[300], "v".getBytes(), 2).put("k".getBytes(), new byte[260], 0)
                .put(new byte[0], new byte[0], 4).toByteArray();
        Blobs.assertEveryByteChangeWalksOrRejects(Zipmap::walk, 2, mixed);
    }

    @Provide
    Arbitrary<List<Pair>> pairs() {
        return pair(Blobs.strings(253, 254, 255, 256)).list().ofMinSize(1).ofMaxSize(30);
    }

    @Provide
    Arbitrary<List<Pair>> smallPairs() {
        return pair(Blobs.strings(253, 254)).list().ofMinSize(1).ofMaxSize(6);
    }

    private static Arbitrary<Pair> pair(Arbitrary<byte[]> strings) {
        return Combinators.combine(strings, strings, Arbitraries.integers().between(0, 4)).as(Pair::new);
    }

    private static byte[] build(List<Pair> pairs) {
        ZipmapWriter w = new ZipmapWriter();
        for (Pair p : pairs) {
            w.put(p.key, p.value, p.free);
        }
        return w.toByteArray();
    }

    private static BlobException fail(byte[] b) {
        return LzfTest.catchBlob(() -> Zipmap.walk(b, 0, b.length, new Recorder()));
    }
}
