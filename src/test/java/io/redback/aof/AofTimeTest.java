package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.time.TimeGrammar;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class AofTimeTest {
    static final long T = 1795314786L; // 2026-11-22T02:33:06Z

    @Test
    void unixSecondsAndIsoWithAnyZoneNameTheSameSecond() {
        assertThat(TimeGrammar.parse("1795314786", java.time.Instant.now())).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22T02:33:06Z", java.time.Instant.now())).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22T03:33:06+01:00", java.time.Instant.now())).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22T03:33:06+0100", java.time.Instant.now())).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-21T21:33:06-05", java.time.Instant.now())).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22 02:33:06z", java.time.Instant.now())).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22T02:33Z", java.time.Instant.now())).isEqualTo(T - 6);
    }

    @Test
    void fractionsFloorToTheSecondAsTsAnnotationsDo() {
        assertThat(TimeGrammar.parse("2026-11-22T02:33:06.999Z", java.time.Instant.now())).isEqualTo(T);
    }

    @Test
    void aLocalTimeWithoutZoneIsRefusedWithTheFix() {
        assertThatThrownBy(() -> TimeGrammar.parse("2026-11-22T02:33:06", java.time.Instant.now()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no time zone").hasMessageContaining("2026-11-22T02:33:06Z");
    }

    @Test
    void garbageAndMillisecondsAreRefused() {
        assertThatThrownBy(() -> TimeGrammar.parse("yesterday", java.time.Instant.now())).hasMessageContaining("unix seconds");
        assertThatThrownBy(() -> TimeGrammar.parse("1795314786000", java.time.Instant.now())).hasMessageContaining("milliseconds");
        assertThatThrownBy(() -> TimeGrammar.parse("", java.time.Instant.now())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void printsIsoUtcOrDashWhenUnknown() {
        assertThat(AofTime.iso(T)).isEqualTo("2026-11-22T02:33:06Z");
        assertThat(AofTime.iso(-1)).isEqualTo("-");
    }
}
