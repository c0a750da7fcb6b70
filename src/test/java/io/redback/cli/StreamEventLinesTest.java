package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.cluster.ClusterStream;
import io.redback.repo.Compression;
import io.redback.repo.SnapshotId;
import io.redback.repo.SnapshotManifest;
import io.redback.stream.StreamEvent;
import io.redback.testsupport.Fast;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code redback stream} prints of each event, text and JSON, with the time left out: the contract. */
@Fast
class StreamEventLinesTest {
    private static final SnapshotId ID = SnapshotId.parse("20260102T030405.123Z-0a1b2c");
    private static final SnapshotId PREVIOUS = SnapshotId.parse("20260101T030405.456Z-4e5f6a");
    private static final SnapshotManifest BASE = new SnapshotManifest(SnapshotManifest.FORMAT_VERSION, ID, "cache-1",
            "127.0.0.1:6379", "7.0.15", 10, "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", 1234L,
            SnapshotManifest.Method.SYNC, Instant.parse("2026-01-02T03:04:05Z"), Instant.parse("2026-01-02T03:04:06Z"),
            2_345_678, 1_000_000, Compression.DEFAULT, "a".repeat(64), "b".repeat(64), Map.of(0, Map.of("string", 1204L)), 0,
            SnapshotManifest.VALID, "sources/cache-1/snapshots/x", null);

    static List<StreamEvent> streamEvents() {
        return List.of(new StreamEvent.TimelineStarted(BASE, null, 0),
                new StreamEvent.TimelineStarted(BASE, PREVIOUS, 999),
                new StreamEvent.Continued(ID, 5000, "8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", false),
                new StreamEvent.Continued(ID, 5000, "9999b4fb1155b71f4a04d3e1bc3e18c4a990aeeb", true),
                new StreamEvent.Disconnected("connection reset", 6000, Duration.ofMillis(1500)),
                new StreamEvent.RepositoryFailing("disk full", 12_345),
                new StreamEvent.RepositoryBack(999),
                new StreamEvent.SpoolFilling(900_000_000, 1_073_741_824),
                new StreamEvent.SpoolFull(1_073_741_824, 1_073_741_824),
                new StreamEvent.SpoolFailed("no space left"),
                new StreamEvent.BacklogShort(1_048_576, 50_000.4),
                new StreamEvent.SnapshotTaken(BASE),
                new StreamEvent.SnapshotFailed("timeout"),
                new StreamEvent.ThreadDied("link", "java.lang.OutOfMemoryError: heap"),
                new StreamEvent.Stopped(39355, 39355, 0, 0),
                new StreamEvent.Stopped(40000, 39355, 2, 4645));
    }

    static List<ClusterStream.Event> clusterEvents() {
        return List.of(new ClusterStream.ShardEvent(1, "shop.shard-1", "127.0.0.1:7001",
                        new StreamEvent.Stopped(14, 14, 0, 0)),
                new ClusterStream.ShardStarted(0, "shop.shard-0", "127.0.0.1:7000", Path.of("spool", "shop.shard-0")),
                new ClusterStream.ShardFailed(2, "shop.shard-2", "refused", Duration.ofSeconds(5)),
                new ClusterStream.ShardRemoved(3, "shop.shard-3"),
                new ClusterStream.TopologyUnreadable("timeout"),
                new ClusterStream.SnapshotDeferred(List.of("a", "b", "c", "d")),
                new ClusterStream.SnapshotFailed("busy"),
                new ClusterStream.Stopped(3, List.of()),
                new ClusterStream.Stopped(3, List.of("shard 2: refused")));
    }

    static String printed(boolean json) {
        StringWriter s = new StringWriter();
        PrintWriter out = new PrintWriter(s);
        for (StreamEvent e : streamEvents()) {
            StreamCommand.print(out, e, json);
        }
        for (ClusterStream.Event e : clusterEvents()) {
            ClusterStreamRun.print(out, e, json);
        }
        List<String> lines = new ArrayList<>();
        for (String line : s.toString().split("\\R")) {
            lines.add(json ? line.replaceFirst("^\\{\"time\":\"[^\"]+\",", "{") : line.replaceFirst("^\\S+Z ", ""));
        }
        return String.join("\n", lines);
    }

    @Test
    void eachEventPrintsItsSentence() {
        assertThat(printed(false)).isEqualTo("""
                timeline 20260102T030405.123Z-0a1b2c started: base snapshot of 1,204 keys (2.35 MB), replication 8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb:1234
                timeline 20260102T030405.123Z-0a1b2c started: base snapshot of 1,204 keys (2.35 MB), replication 8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb:1234; the source could not continue timeline 20260101T030405.456Z-4e5f6a after offset 999, so restores cannot cross from one to the other
                continuing timeline 20260102T030405.123Z-0a1b2c from offset 5000
                continuing timeline 20260102T030405.123Z-0a1b2c from offset 5000 under the new replication id 9999b4fb1155b71f4a04d3e1bc3e18c4a990aeeb (a failover or restart of the source)
                link lost at offset 6000: connection reset; retrying in 1500 ms
                WARNING: the repository refuses writes (disk full); segments wait in the spool (12.3 kB) and are retried
                the repository accepts writes again; spool draining (999 B left)
                WARNING: the spool holds 900 MB of --max-spool 1.07 GB; when full, reading from the source pauses and the source may drop the link
                WARNING: the spool is full (1.07 GB): reading from the source paused until the repository takes segments again
                ERROR: cannot write the spool (no space left); reconnecting from the last durable offset
                WARNING: the source's replication backlog (1.05 MB) holds only 21.0 s of writes at the current rate (50.0 kB/s): if redback is stopped or cut off for longer, the source cannot continue the link and a new timeline starts with a full sync; raise it, e.g. CONFIG SET repl-backlog-size 64mb
                snapshot 20260102T030405.123Z-0a1b2c stored (1,204 keys, offset 1234)
                WARNING: periodic snapshot failed: timeout
                ERROR: the link thread died: java.lang.OutOfMemoryError: heap; stopping (stream.json says failed; the exit code is 1)
                stopped: received up to offset 39355, repository holds up to 39355
                stopped: received up to offset 40000, repository holds up to 39355; 2 segment(s) (4.65 kB) wait in the spool for the next start
                shard 1 (127.0.0.1:7001): stopped: received up to offset 14, repository holds up to 14
                shard 0: streaming 127.0.0.1:7000 as shop.shard-0 (spool spool/shop.shard-0)
                ERROR: shard 2 (shop.shard-2) stopped: refused; the other shards keep shipping; this shard starts again in 5 s from its spool (if it keeps failing, see its stream.json with `redback status --name shop.shard-2`; the exit code will be 1)
                shard 3 serves no slot any more: its link stopped (shop.shard-3 keeps its history)
                WARNING: the cluster's topology could not be read (timeout); the links keep their nodes, trying again
                slots are migrating (a; b; c; ...): the cluster snapshot waits for the end of the resharding
                WARNING: the cluster snapshot failed (busy); trying again at the next reading of the topology
                stopped: 3 shard links stopped
                stopped: 3 shard links stopped; shards failed meanwhile: shard 2: refused""");
    }

    @Test
    void eachEventPrintsItsFieldsAsJson() {
        assertThat(printed(true)).isEqualTo("""
                {"event":"timeline-started","timeline":"20260102T030405.123Z-0a1b2c","replicationId":"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb","offset":1234,"keys":1204,"previousTimeline":null}
                {"event":"timeline-started","timeline":"20260102T030405.123Z-0a1b2c","replicationId":"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb","offset":1234,"keys":1204,"previousTimeline":"20260101T030405.456Z-4e5f6a"}
                {"event":"continued","timeline":"20260102T030405.123Z-0a1b2c","offset":5000,"replicationId":"8371b4fb1155b71f4a04d3e1bc3e18c4a990aeeb","newReplicationId":false}
                {"event":"continued","timeline":"20260102T030405.123Z-0a1b2c","offset":5000,"replicationId":"9999b4fb1155b71f4a04d3e1bc3e18c4a990aeeb","newReplicationId":true}
                {"event":"disconnected","reason":"connection reset","offset":6000,"retryInMs":1500}
                {"event":"repository-failing","reason":"disk full","spoolBytes":12345}
                {"event":"repository-back","spoolBytes":999}
                {"event":"spool-filling","bytes":900000000,"max":1073741824}
                {"event":"spool-full","bytes":1073741824,"max":1073741824}
                {"event":"spool-failed","reason":"no space left"}
                {"event":"backlog-short","backlogBytes":1048576,"bytesPerSecond":50000,"coversSeconds":20.971}
                {"event":"snapshot","snapshot":"20260102T030405.123Z-0a1b2c","offset":1234}
                {"event":"snapshot-failed","reason":"timeout"}
                {"event":"failed","thread":"link","reason":"java.lang.OutOfMemoryError: heap"}
                {"event":"stopped","receivedOffset":39355,"committedOffset":39355,"spooledSegments":0,"spoolBytes":0}
                {"event":"stopped","receivedOffset":40000,"committedOffset":39355,"spooledSegments":2,"spoolBytes":4645}
                {"event":"stopped","shard":1,"source":"shop.shard-1","receivedOffset":14,"committedOffset":14,"spooledSegments":0,"spoolBytes":0}
                {"event":"shard-started","shard":0,"source":"shop.shard-0","address":"127.0.0.1:7000","spool":"spool/shop.shard-0"}
                {"event":"shard-failed","shard":2,"source":"shop.shard-2","reason":"refused","retryInMs":5000}
                {"event":"shard-removed","shard":3,"source":"shop.shard-3"}
                {"event":"topology-unreadable","reason":"timeout"}
                {"event":"cluster-snapshot-deferred","migrating":["a","b","c","d"]}
                {"event":"cluster-snapshot-failed","reason":"busy"}
                {"event":"cluster-stopped","shards":3,"failedShards":[]}
                {"event":"cluster-stopped","shards":3,"failedShards":["shard 2: refused"]}""");
    }
}
