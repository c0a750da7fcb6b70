package io.redback.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Every option that takes a time reads it the same way: absolute, unix seconds, now, or a time ago. */
@io.redback.testsupport.Fast
class TimeGrammarTest {
    static final long T = 1795314786L; // 2026-11-22T02:33:06Z
    static final Instant NOW = Instant.parse("2026-11-22T10:00:00.750Z");
    static final long S = NOW.getEpochSecond();

    @Test
    void unixSecondsAndIsoWithAnyZoneNameTheSameSecond() {
        assertThat(TimeGrammar.parse("1795314786", NOW)).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22T02:33:06Z", NOW)).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22T03:33:06+01:00", NOW)).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22T03:33:06+0100", NOW)).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-21T21:33:06-05", NOW)).isEqualTo(T);
        assertThat(TimeGrammar.parse("2026-11-22 02:33:06z", NOW)).isEqualTo(T);
        assertThat(TimeGrammar.parse(" 2026-11-22T02:33Z ", NOW)).isEqualTo(T - 6);
        assertThat(TimeGrammar.parse("2026-11-22T02:33:06.999Z", NOW)).isEqualTo(T);
    }

    @Test
    void nowAndTimesAgoCountFromNowInWholeSeconds() {
        assertThat(TimeGrammar.parse("now", NOW)).isEqualTo(S);
        assertThat(TimeGrammar.parse("NOW", NOW)).isEqualTo(S);
        assertThat(TimeGrammar.parse("-30s", NOW)).isEqualTo(S - 30);
        assertThat(TimeGrammar.parse("-15m", NOW)).isEqualTo(S - 900);
        assertThat(TimeGrammar.parse("-2h", NOW)).isEqualTo(S - 7200);
        assertThat(TimeGrammar.parse("-1d", NOW)).isEqualTo(S - 86_400);
        assertThat(TimeGrammar.parse("-1w", NOW)).isEqualTo(S - 604_800);
        assertThat(TimeGrammar.parse("-1h30m", NOW)).isEqualTo(S - 5400);
        assertThat(TimeGrammar.parse("-1H", NOW)).isEqualTo(S - 3600);
    }

    @Test
    void whatIsNotATimeIsRefusedWithTheFormsThereAre() {
        assertThatThrownBy(() -> TimeGrammar.parse("yesterday", NOW))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'yesterday' is not a time").hasMessageContaining("unix seconds")
                .hasMessageContaining("ISO-8601").hasMessageContaining("a time ago (-30s, -15m");
        assertThatThrownBy(() -> TimeGrammar.parse("-15x", NOW)).hasMessageContaining("a time ago (-30s");
        assertThatThrownBy(() -> TimeGrammar.parse("", NOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimeGrammar.parse(null, NOW)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TimeGrammar.parse("1795314786000", NOW)).hasMessageContaining("milliseconds");
    }

    @Test
    void aLocalTimeWithoutZoneIsRefusedWithTheFix() {
        assertThatThrownBy(() -> TimeGrammar.parse("2026-11-22T02:33:06", NOW))
                .hasMessageContaining("no time zone").hasMessageContaining("2026-11-22T02:33:06Z");
    }

    @Test
    void timesBefore1970AndAbsurdAgesAreRefusedNotWrapped() {
        assertThatThrownBy(() -> TimeGrammar.parse("1969-12-31T23:59:59Z", NOW)).hasMessageContaining("before 1970");
        assertThatThrownBy(() -> TimeGrammar.parse("-3000w", NOW)).hasMessageContaining("before 1970");
        assertThatThrownBy(() -> TimeGrammar.parse("-99999999999999999999s", NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long ago");
        assertThatThrownBy(() -> TimeGrammar.parse("-9999999999999999w", NOW))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long ago");
    }
}
