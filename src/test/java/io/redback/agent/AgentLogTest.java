package io.redback.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.repo.Compression;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.stream.StreamEvent;
import io.redback.stream.StreamEvents;
import io.redback.testsupport.Fast;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent's log lines of a stream's start and stop: redback stream's words and fields, after time, source, event. */
@Fast
class AgentLogTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05.678Z"), ZoneOffset.UTC);
    private static final SnapshotId ID = SnapshotId.parse("20260102T030405.123Z-0a1b2c");
    private static final SnapshotManifest BASE = new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, ID, "cache-1",
            "127.0.0.1:6379", "7.0.15", 10, "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", 0L,
            SnapshotManifest.Method.SYNC, CLOCK.instant(), CLOCK.instant(), 2_345_678, 1_000_000,
            Compression.DEFAULT, "a".repeat(64), "b".repeat(64), Map.of(0, Map.of("string", 1204L)), 0,
            SnapshotManifest.VALID, "sources/cache-1/snapshots/x", null);

    private static String logged(boolean json) {
        StringWriter s = new StringWriter();
        AgentLog log = new AgentLog(new PrintWriter(s), json, CLOCK);
        log.event("cache-1", "stream-timeline-started",
                StreamEvents.describe(new StreamEvent.TimelineStarted(BASE, null, 0)));
        log.event("cache-1", "stream-stopped", StreamEvents.describe(new StreamEvent.Stopped(14, 14, 0, 0)));
        return s.toString();
    }

    @Test
    void textLinesReadLikeRedbackStreams() {
        assertThat(logged(false)).isEqualTo("""
                2026-01-02T03:04:05Z cache-1 stream-timeline-started: timeline 20260102T030405.123Z-0a1b2c started: \
                base snapshot of 1,204 keys (2.35 MB), replication 8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb:0
                2026-01-02T03:04:05Z cache-1 stream-stopped: stopped: received up to offset 14, repository holds up to 14
                """.replace("\n", System.lineSeparator()));
    }

    @Test
    void jsonLinesCarryTheEventsFields() {
        assertThat(logged(true)).isEqualTo("""
                {"time":"2026-01-02T03:04:05.678Z","source":"cache-1","event":"stream-timeline-started",\
                "timeline":"20260102T030405.123Z-0a1b2c","replicationId":"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb",\
                "offset":0,"keys":1204,"previousTimeline":null,"message":"timeline 20260102T030405.123Z-0a1b2c \
                started: base snapshot of 1,204 keys (2.35 MB), replication 8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb:0"}
                {"time":"2026-01-02T03:04:05.678Z","source":"cache-1","event":"stream-stopped","receivedOffset":14,\
                "committedOffset":14,"spooledSegments":0,"spoolBytes":0,"message":"stopped: received up to offset 14, \
                repository holds up to 14"}
                """.replace("\n", System.lineSeparator()));
    }

    @Test
    void aShardsSourceFieldIsTheLinesOwnAndATopologyIsOneLine() {
        StringWriter s = new StringWriter();
        AgentLog log = new AgentLog(new PrintWriter(s), true, CLOCK);
        log.event("shop.shard-1", "stream-stopped", new StreamEvents.Words("stopped",
                "shard 1 (h:1): stopped\n  and more", Map.of("source", "shop.shard-1")));
        assertThat(s.toString()).isEqualTo("{\"time\":\"2026-01-02T03:04:05.678Z\",\"source\":\"shop.shard-1\","
                + "\"event\":\"stream-stopped\",\"message\":\"shard 1 (h:1): stopped; and more\"}"
                + System.lineSeparator());
    }
}
