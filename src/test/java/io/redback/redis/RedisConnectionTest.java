package io.redback.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.resp.Resp;
import io.redback.testsupport.TestRedis;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Slow
class RedisConnectionTest {

    @Test
    void commandsAreArraysOfBulkStrings() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Resp.writeCommand(out, "SET", "k\u00e9", new byte[] {0, '\r', '\n'}, 42L, 7);
        assertThat(out.toString(StandardCharsets.ISO_8859_1)).isEqualTo(
                "*5\r\n$3\r\nSET\r\n$3\r\nk\u00c3\u00a9\r\n$3\r\n\0\r\n\r\n$2\r\n42\r\n$1\r\n7\r\n");
    }

    @Test
    void everyResp2ReplyTypeIsParsed() throws IOException {
        Resp.Reader r = reader("+OK\r\n-ERR no\r\n:-42\r\n$3\r\nfoo\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
                + "*3\r\n:1\r\n*1\r\n+x\r\n$-1\r\n");
        assertThat(r.read()).isEqualTo("OK");
        assertThat(r.read()).isEqualTo(new Resp.Error("ERR no"));
        assertThat(r.read()).isEqualTo(-42L);
        assertThat(r.read()).isEqualTo("foo".getBytes(StandardCharsets.US_ASCII));
        assertThat(r.read()).isEqualTo(new byte[0]);
        assertThat(r.read()).isNull();
        assertThat(r.read()).isNull();
        assertThat(r.read()).isEqualTo(List.of());
        assertThat(r.read()).isEqualTo(Arrays.asList(1L, List.of("x"), null));
        assertThatThrownBy(r::read).isInstanceOf(EOFException.class).hasMessageContaining("closed by the server");
    }

    @Test
    void aBulkStringLargerThanTheBufferIsReadWhole() throws IOException {
        byte[] big = new byte[100_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) i;
        }
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        wire.writeBytes(("$" + big.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        wire.writeBytes(big);
        wire.writeBytes("\r\n:1\r\n".getBytes(StandardCharsets.US_ASCII));
        Resp.Reader r = new Resp.Reader(new ByteArrayInputStream(wire.toByteArray()));

        assertThat(r.read()).isEqualTo(big);
        assertThat(r.read()).isEqualTo(1L);
        assertThat(r.position()).isEqualTo(wire.size());
    }

    @Test
    void malformedRepliesSayWhereTheyWentWrong() {
        Resp.Reader r = reader("+OK\r\n?what\r\n");
        assertThatThrownBy(() -> {
            r.read();
            r.read();
        }).isInstanceOf(IOException.class).hasMessageContaining("byte 5").hasMessageContaining("'?'");
        assertThatThrownBy(() -> reader("$3\r\nfoobar\r\n").read())
                .hasMessageContaining("expected CRLF after a bulk string");
        assertThatThrownBy(() -> reader(":12x\r\n").read()).hasMessageContaining("bad integer");
        assertThatThrownBy(() -> reader("$10\r\nshort").read())
                .isInstanceOf(EOFException.class).hasMessageContaining("middle of a reply");
    }

    @Test
    void aRealServerRoundTripsBinaryValuesAndReportsErrors() throws IOException {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < 256; i++) {
            everyByte[i] = (byte) i;
        }
        try (var redis = TestRedis.server().start(); RedisConnection c = redis.connect()) {
            assertThat(c.call("PING")).isEqualTo("PONG");
            c.call("SET", everyByte, everyByte);
            assertThat(c.call("GET", everyByte)).isEqualTo(everyByte);
            assertThat(c.call("GET", "missing")).isNull();
            assertThat(c.callLong("RPUSH", "list", "a", "b")).isEqualTo(2);
            assertThat(c.call("LRANGE", "list", 0, -1)).asInstanceOf(InstanceOfAssertFactories.LIST)
                    .containsExactly("a".getBytes(StandardCharsets.UTF_8), "b".getBytes(StandardCharsets.UTF_8));

            assertThatThrownBy(() -> c.call("INCR", "list"))
                    .isInstanceOf(RedisErrorReply.class)
                    .hasMessageStartingWith("WRONGTYPE")
                    .extracting(e -> ((RedisErrorReply) e).code()).isEqualTo("WRONGTYPE");
            // An error reply leaves the connection usable.
            assertThat(c.callString("ECHO", "still here")).isEqualTo("still here");

            c.call("MULTI");
            c.call("INCR", "list");
            c.call("SET", "x", "1");
            List<?> exec = (List<?>) c.call("EXEC");
            assertThat(exec.get(0)).isInstanceOf(RedisErrorReply.class);
            assertThat(exec.get(1)).isEqualTo("OK");

            assertThat(c.info("server")).containsEntry("redis_version", redis.version());
        }
    }

    private static Resp.Reader reader(String wire) {
        return new Resp.Reader(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)));
    }
}
