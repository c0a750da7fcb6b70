package io.redback.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.doctor.Profile;
import io.redback.repo.Compression;
import io.redback.repo.RetentionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import io.redback.stream.Streamer;
import org.junit.jupiter.api.Test;

@io.redback.testsupport.Fast
class AgentConfigTest {
    private static final Map<String, String> ENV = Map.of("REDIS_PASSWORD", "s3cret");

    private static AgentConfig parse(String yaml) throws Exception {
        return AgentConfig.parse(yaml, ENV, Path.of("/tmp/agent-test"));
    }

    @Test
    void theIssuesExampleParses() throws Exception {
        AgentConfig c = parse("""
                repository: s3://backups/redis
                listen: 127.0.0.1:9187
                sources:
                  - name: cache-1
                    redis: rediss://10.0.0.5:6379
                    user: backup
                    password-env: REDIS_PASSWORD
                    stream: true
                    durable-at: repository
                    snapshot: {cron: "0 */6 * * *", jitter: 5m}
                    retention: {keep-hourly: 24, keep-daily: 30, keep-weekly: 52, keep-monthly: -1}
                    compact: {every: 1h}
                    check: {every: 7d, read-data: 10%}
                    drill: {every: 30d, at: random}
                    doctor: {every: 1h}
                    objectives: {rpo: 1m, rto: 10m, max-snapshot-age: 7h, max-drill-age: 35d}
                """);
        AgentConfig.Source s = c.sources().get(0);
        assertThat(c.listenPort()).isEqualTo(9187);
        assertThat(s.redis().password()).isEqualTo("s3cret");
        assertThat(s.redis().username()).isEqualTo("backup");
        assertThat(s.retention()).isEqualTo(RetentionPolicy.DEFAULT);
        assertThat(s.checkReadPercent()).isEqualTo(10);
        assertThat(s.durableAt()).isEqualTo(Streamer.DurableAt.REPOSITORY);
        assertThat(s.objectives()).containsEntry("rpo", Duration.ofMinutes(1)).containsEntry("max-drill-age",
                Duration.ofDays(30 + 5));
        Instant next = s.snapshot().next(Instant.parse("2026-01-01T01:00:00Z"), Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(next).isBetween(Instant.parse("2026-01-01T06:00:00Z"), Instant.parse("2026-01-01T06:05:00Z"));
        assertThat(s.compact().next(Instant.parse("2026-01-01T01:00:00Z"), Instant.EPOCH))
                .isEqualTo(Instant.parse("2026-01-01T02:00:00Z"));
    }

    private static void failsAt(String yaml, int line, String words) {
        assertThatThrownBy(() -> parse(yaml)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("line " + line + ":").hasMessageContaining(words);
    }

    @Test
    void theSnapshotJobTakesBackupsMethods() throws Exception {
        String head = "repository: file:///tmp/r\nsources:\n  - name: a\n    redis: redis://127.0.0.1:6379\n";
        assertThat(parse(head + "    snapshot: {every: 6h}\n").sources().get(0).snapshotMethod())
                .isEqualTo(new AgentConfig.SnapshotMethod.Sync());
        assertThat(parse(head + "    snapshot: {every: 6h, method: bgsave, rdb-file: data/dump.rdb}\n").sources().get(0)
                .snapshotMethod()).isEqualTo(new AgentConfig.SnapshotMethod.Bgsave(Path.of("/tmp/agent-test/data/dump.rdb")));
        assertThat(parse(head + "    snapshot: {every: 6h, method: bgsave}\n").sources().get(0).snapshotMethod())
                .isEqualTo(new AgentConfig.SnapshotMethod.Bgsave(null));
        AgentConfig.SnapshotMethod scan = parse(head + "    snapshot:\n      every: 6h\n      method: scan\n"
                + "      command-names: {dump: XDUMP, SCAN: xscan}\n").sources().get(0).snapshotMethod();
        assertThat(((AgentConfig.SnapshotMethod.Scan) scan).options().commandNames())
                .isEqualTo(Map.of("DUMP", "XDUMP", "SCAN", "xscan"));

        failsAt(head + "    snapshot: {every: 6h, method: copy}\n", 5, "use sync");
        failsAt(head + "    snapshot: {every: 6h, rdb-file: /data/dump.rdb}\n", 5, "goes with method: bgsave");
        failsAt(head + "    snapshot:\n      every: 6h\n      method: bgsave\n      command-names: {DUMP: X}\n", 8,
                "goes with method: scan");
        failsAt(head + "    snapshot:\n      every: 6h\n      method: scan\n      command-names: {GET: X}\n", 8,
                "a scan sends only");
    }

    @Test
    void errorsNameTheLine() {
        String head = "repository: file:///tmp/r\nsources:\n  - name: a\n    redis: redis://127.0.0.1:6379\n";
        failsAt(head + "    snapshot: {every: 6 hours}\n", 5, "not a duration");
        failsAt(head + "    snapshot: {every: 6h}\n    retention: {keep-hourly: 24, keep-dayly: 3}\n", 6, "keep-daily");
        failsAt(head + "    snapshot: {cron: \"61 * * * *\"}\n", 5, "not a cron expression");
        failsAt(head + "    password: hunter2\n    snapshot: {every: 6h}\n", 5, "never goes in this file");
        failsAt(head + "    password-env: NOT_SET_ANYWHERE\n    snapshot: {every: 6h}\n", 5, "NOT_SET_ANYWHERE");
        failsAt(head + "    snapshot: {every: 6h}\n    streem: true\n", 6, "streem");
        failsAt(head + "    snapshot: {every: 6h}\n  - name: a\n    redis: redis://h\n    stream: true\n", 6, "used twice");
        failsAt(head + "    snapshot: [6h\n", 5, "not valid YAML");
        failsAt(head + "    stream: true\n    durable-at: disk\n", 6, "use spool");
        failsAt(head + "    stream: true\n    compress: lz4\n", 6, "zstd:<level> or none");
        failsAt(head + "    stream: true\n    ack-when: fsynced\n", 6, "use received");
        failsAt(head + "    stream: true\n    compress: zstd:30\n", 6, "between -7 and 22");
        failsAt(head + "    stream: true\n    segment-size: 16 megs\n", 6, "not a size");
        failsAt(head + "    stream: true\n    segment-size: 512\n", 6, "between 1KiB and 1GiB");
        failsAt(head + "    stream: true\n    doctor: {every: 1h,\n      profile: db}\n", 7, "use store");
        failsAt("repository: file:///tmp/r\nsources:\n  - name: a\n    redis: redis://:pw@127.0.0.1\n    stream: true\n",
                4, "password");
    }

    @Test
    void compressionSegmentSizeAndDoctorProfileDefaultAsTheCommandsDo() throws Exception {
        String head = "repository: file:///tmp/r\nsources:\n  - name: a\n    redis: redis://127.0.0.1:6379\n"
                + "    stream: true\n";
        AgentConfig.Source plain = parse(head + "    doctor: {every: 1h}\n").sources().get(0);
        assertThat(plain.compression()).isEqualTo(Compression.DEFAULT);
        assertThat(plain.segmentSize()).isEqualTo(16L << 20);
        assertThat(plain.doctorProfile()).isEqualTo(Profile.STORE);
        assertThat(plain.ackWhen()).isEqualTo(Streamer.AckWhen.RECEIVED);

        AgentConfig.Source set = parse(head + "    compress: zstd:9\n    segment-size: 4MiB\n"
                + "    doctor: {every: 1h, profile: cache}\n    ack-when: spooled\n").sources().get(0);
        assertThat(set.ackWhen()).isEqualTo(Streamer.AckWhen.SPOOLED);
        assertThat(set.compression()).isEqualTo(Compression.zstd(9));
        assertThat(set.segmentSize()).isEqualTo(4L << 20);
        assertThat(set.doctorProfile()).isEqualTo(Profile.CACHE);
        assertThat(parse(head + "    compress: none\n").sources().get(0).compression()).isEqualTo(Compression.NONE);
    }

    @Test
    void aClusterSourceIsSaidOrLeftToTheServer() throws Exception {
        String head = "repository: file:///tmp/r\nsources:\n  - name: shop\n    redis: redis://127.0.0.1:7000\n"
                + "    stream: true\n";
        assertThat(parse(head).sources().get(0).cluster()).isNull(); // the server says, at start
        assertThat(parse(head + "    cluster: true\n").sources().get(0).cluster()).isTrue();
        assertThat(parse(head + "    cluster: false\n").sources().get(0).cluster()).isFalse();
        AgentConfig.Source scan = parse(head + "    cluster: true\n    snapshot: {every: 6h, method: scan}\n"
                + "    drill: {every: 7d, at: newest}\n").sources().get(0);
        assertThat(scan.snapshotMethod()).isInstanceOf(AgentConfig.SnapshotMethod.Scan.class);

        failsAt(head + "    cluster: yes\n", 6, "cluster must be true or false");
        failsAt(head + "    cluster: true\n    snapshot: {every: 6h,\n      method: bgsave}\n", 8,
                "bgsave does not go with cluster: true");
        failsAt(head + "    cluster: true\n    drill:\n      every: 7d\n      at: random\n", 9,
                "random does not go with cluster: true");
        failsAt(head + "    clustre: true\n", 6, "clustre");
        failsAt("repository: file:///tmp/r\nsources:\n  - name: " + "s".repeat(60) + "\n    redis: redis://h:7000\n"
                + "    cluster: true\n    stream: true\n", 3, ".shard-N");
    }
}
