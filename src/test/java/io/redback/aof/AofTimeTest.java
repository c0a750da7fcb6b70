package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class AofTimeTest {
    static final long T = 1795314786L; // 2026-11-22T02:33:06Z

    @Test
    void unixSecondsAndIsoWithAnyZoneNameTheSameSecond() {
        assertThat(AofTime.parse("1795314786")).isEqualTo(T);
        assertThat(AofTime.parse("2026-11-22T02:33:06Z")).isEqualTo(T);
        assertThat(AofTime.parse("2026-11-22T03:33:06+01:00")).isEqualTo(T);
        assertThat(AofTime.parse("2026-11-22T03:33:06+0100")).isEqualTo(T);
        assertThat(AofTime.parse("2026-11-21T21:33:06-05")).isEqualTo(T);
        assertThat(AofTime.parse("2026-11-22 02:33:06z")).isEqualTo(T);
        assertThat(AofTime.parse("2026-11-22T02:33Z")).isEqualTo(T - 6);
    }

    @Test
    void fractionsFloorToTheSecondAsTsAnnotationsDo() {
        assertThat(AofTime.parse("2026-11-22T02:33:06.999Z")).isEqualTo(T);
    }

    @Test
    void aLocalTimeWithoutZoneIsRefusedWithTheFix() {
        assertThatThrownBy(() -> AofTime.parse("2026-11-22T02:33:06"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no time zone").hasMessageContaining("2026-11-22T02:33:06Z");
    }

    @Test
    void garbageAndMillisecondsAreRefused() {
        assertThatThrownBy(() -> AofTime.parse("yesterday")).hasMessageContaining("unix seconds");
        assertThatThrownBy(() -> AofTime.parse("1795314786000")).hasMessageContaining("milliseconds");
        assertThatThrownBy(() -> AofTime.parse("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void printsIsoUtcOrDashWhenUnknown() {
        assertThat(AofTime.iso(T)).isEqualTo("2026-11-22T02:33:06Z");
        assertThat(AofTime.iso(-1)).isEqualTo("-");
    }
}
