package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.resp.RespWriter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class CommandPatternTest {

    private static AofCommand command(String... args) throws Exception {
        AofReader r = new AofReader(new ByteArrayInputStream(RespWriter.encode(args)));
        r.next();
        return r.command();
    }

    private static boolean matches(String pattern, String... command) throws Exception {
        return CommandPattern.parse(pattern).matches(command(command));
    }

    @Test
    void theNameIsCaseInsensitiveAndAnyArgumentsFollow() throws Exception {
        assertThat(matches("FLUSHALL", "flushall")).isTrue();
        assertThat(matches("flushall", "FLUSHALL", "ASYNC")).isTrue();
        assertThat(matches("FLUSHALL", "FLUSHDB")).isFalse();
        assertThat(matches("FLUSH*", "FLUSHDB")).isTrue();
    }

    @Test
    void argumentGlobsMatchInOrderAndAreCaseSensitive() throws Exception {
        assertThat(matches("DEL user:*", "DEL", "user:42", "other")).isTrue();
        assertThat(matches("DEL user:*", "DEL", "USER:42")).isFalse();
        assertThat(matches("DEL user:*", "DEL", "session:1", "user:42")).isFalse();
        assertThat(matches("DEL user:*", "DEL")).isFalse();
        assertThat(matches("HSET user:? email", "HSET", "user:1", "email", "x")).isTrue();
        assertThat(matches("HSET user:? email", "HSET", "user:10", "email", "x")).isFalse();
        assertThat(matches("\"SET\" \"a b\"", "SET", "a b", "v")).isTrue();
    }

    @Test
    void redisGlobClassesAndEscapes() {
        Glob g = new Glob("k[a-c]\\*[^0-9]".getBytes(StandardCharsets.UTF_8), false);
        assertThat(g.matches(bytes("kb*x"))).isTrue();
        assertThat(g.matches(bytes("kd*x"))).isFalse();
        assertThat(g.matches(bytes("kb*1"))).isFalse();
        assertThat(g.matches(bytes("kbzx"))).isFalse();
        assertThat(new Glob(bytes("*a*b*c*"), false).matches(bytes("xxaxxbxxcxx"))).isTrue();
        assertThat(new Glob(bytes("*a*b*c*"), false).matches(bytes("xxaxxcxxbxx"))).isFalse();
        assertThat(new Glob(bytes(""), false).matches(bytes(""))).isTrue();
        // many stars on a long subject must not take exponential time
        assertThat(new Glob(bytes("*a*a*a*a*a*a*a*a*b"), false).matches(bytes("a".repeat(5000)))).isFalse();
    }

    @Test
    void anEmptyOrUnbalancedPatternIsRefused() {
        assertThatThrownBy(() -> CommandPattern.parse("  ")).hasMessageContaining("empty");
        assertThatThrownBy(() -> CommandPattern.parse("DEL \"user")).hasMessageContaining("quotes");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
