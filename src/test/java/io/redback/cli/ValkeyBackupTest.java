package io.redback.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.ServerReleases;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A backup of a real Valkey 8.0.1 announces the replica's version ({@code REPLCONF version},
 * by which newer Valkey primaries choose the RDB format of a full sync) and still works where
 * the primary does not know the option.
 */
@io.redback.testsupport.Slow
class ValkeyBackupTest {
    @TempDir
    Path tmp;

    @Test
    void aBackupOfValkeyAnnouncesItsVersionAndSucceeds() throws Exception {
        try (LocalRedisServer valkey = ServerReleases.server("valkey-8.0.1").start();
             RedisConnection c = valkey.connect()) {
            for (int i = 0; i < 100; i++) {
                c.call("SET", "key:" + i, "value " + i);
            }
            long before = replconfCalls(c);
            Cli.Run run = Cli.redback("backup", "--redis", "redis://" + valkey.host() + ":" + valkey.port(),
                    "--repo", tmp.resolve("repo").toUri().toString(), "--json");
            assertThat(run.exit()).as(run.err()).isZero();
            assertThat(run.json().path("keys").path("0").path("string").asLong()).isEqualTo(100);
            // listening-port, capa, version and rdb-only: one more than a Redis source gets.
            assertThat(replconfCalls(c) - before).isEqualTo(4);
        }
    }

    /** How many REPLCONF commands the server has run (INFO commandstats; refused ones included). */
    private static long replconfCalls(RedisConnection c) throws IOException {
        String stat = c.info("commandstats").getOrDefault("cmdstat_replconf", "calls=0,");
        long calls = Long.parseLong(stat.substring(stat.indexOf("calls=") + 6, stat.indexOf(',')));
        long rejected = stat.contains("rejected_calls=")
                ? Long.parseLong(stat.replaceAll(".*rejected_calls=(\\d+).*", "$1")) : 0;
        return calls + rejected;
    }
}
