package io.redback.backup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.redis.ServerIdentity;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What --command-name accepts, and the RDB version of a server that gave no payload to say it. */
@io.redback.testsupport.Fast
class ScanSnapshotOptionsTest {
    @Test
    void renamedCommandsAreTheScansOwnAndNamedByWords() {
        ScanSnapshot.Options o = new ScanSnapshot.Options(Map.of("dump", "XDUMP", "Scan", " XSCAN "), 10);
        assertThat(o.commandNames()).containsEntry("DUMP", "XDUMP").containsEntry("SCAN", "XSCAN");
        assertThatThrownBy(() -> new ScanSnapshot.Options(Map.of("FLUSHALL", "X"), 10))
                .hasMessageContaining("a scan sends only");
        assertThatThrownBy(() -> new ScanSnapshot.Options(Map.of("DUMP", ""), 10))
                .hasMessageContaining("--command-name DUMP=");
    }

    @Test
    void theRdbVersionFollowsTheRelease() {
        assertThat(ScanSnapshot.rdbVersionOf(new ServerIdentity("redis", "6.2.14"))).isEqualTo(9);
        assertThat(ScanSnapshot.rdbVersionOf(new ServerIdentity("redis", "7.0.15"))).isEqualTo(10);
        assertThat(ScanSnapshot.rdbVersionOf(new ServerIdentity("redis", "7.2.6"))).isEqualTo(11);
        assertThat(ScanSnapshot.rdbVersionOf(new ServerIdentity("redis", "7.4.1"))).isEqualTo(12);
        assertThat(ScanSnapshot.rdbVersionOf(new ServerIdentity("valkey", "8.0.1"))).isEqualTo(11);
        assertThat(ScanSnapshot.rdbVersionOf(new ServerIdentity("valkey", "9.0.0"))).isEqualTo(80);
        assertThat(ScanSnapshot.rdbVersionOf(ServerIdentity.UNKNOWN)).isEqualTo(6);
    }
}
