package io.redback.drill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The --assert grammar: the forms a person types after a restore, quoted words, and the refusals. */
@io.redback.testsupport.Fast
class AssertionTest {
    @Test
    void theFormsOfTheGrammar() {
        assertThat(Assertion.parse("GET config:version == 42"))
                .extracting(Assertion::command, Assertion::args, Assertion::expected)
                .containsExactly("GET", List.of("config:version"), "42");
        assertThat(Assertion.parse("hget user:1 name == 'Ada Lovelace'"))
                .extracting(Assertion::command, Assertion::args, Assertion::expected)
                .containsExactly("HGET", List.of("user:1", "name"), "Ada Lovelace");
        assertThat(Assertion.parse("EXISTS \"a key\"").args()).containsExactly("a key");
        assertThat(Assertion.parse("EXISTS k").expected()).isNull();
        assertThat(Assertion.parse("TYPE k == zset").expected()).isEqualTo("zset");
        for (String c : List.of("SCARD", "LLEN", "ZCARD", "HLEN", "STRLEN")) {
            assertThat(Assertion.parse(c + " k == 3").command()).isEqualTo(c);
        }
        assertThat(Assertion.parse("GET k == 'it\\'s'").expected()).isEqualTo("it's");
    }

    @Test
    void whatIsNotAnAssertionIsRefusedWithTheFormsAccepted() {
        for (String bad : List.of("", "GET k", "GET k = v", "DEL k == 1", "HGET k == v", "EXISTS", "EXISTS a b",
                "GET k == v extra")) {
            assertThatThrownBy(() -> Assertion.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("GET key == value");
        }
        assertThatThrownBy(() -> Assertion.parse("LLEN k == many")).hasMessageContaining("answers a number");
        assertThatThrownBy(() -> Assertion.parse("GET 'k == v")).hasMessageContaining("quote is not closed");
    }
}
