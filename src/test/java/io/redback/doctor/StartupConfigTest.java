package io.redback.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** redis.conf is read as Redis reads it: quotes, any case, the last directive wins, includes in place. */
@io.redback.testsupport.Fast
class StartupConfigTest {
    @TempDir
    Path tmp;

    @Test
    void theDirectivesThatDecideWhatLoadsAreReadAsRedisReadsThem() throws Exception {
        Files.writeString(tmp.resolve("aof.conf"), "appendonly yes\nappendfilename \"my aof\"\n");
        Path conf = tmp.resolve("redis.conf");
        Files.writeString(conf, "# comment\n  port 6380\nDIR /data/redis\nappendonly no\ninclude aof.conf\n"
                + "dbfilename 'data.rdb'\nappenddirname aofs\naof-load-truncated No\n");
        StartupConfig c = StartupConfig.read(conf, StartupConfig.defaults(Path.of("/nowhere")));
        assertThat(c).isEqualTo(new StartupConfig(Path.of("/data/redis"), "data.rdb", true, "aofs", "my aof", false));
        assertThat(c.manifest()).isEqualTo(Path.of("/data/redis/aofs/my aof.manifest"));
        assertThat(c.oldStyleAof()).isEqualTo(Path.of("/data/redis/my aof"));

        StartupConfig defaults = StartupConfig.defaults(tmp);
        assertThat(defaults.appendonly()).isFalse();
        assertThat(defaults.rdbFile()).isEqualTo(tmp.resolve("dump.rdb"));
        assertThat(defaults.manifest()).isEqualTo(tmp.resolve("appendonlydir/appendonly.aof.manifest"));
        assertThat(defaults.aofLoadTruncated()).isTrue();
    }

    @Test
    void aLineRedisRefusesIsAnError() throws Exception {
        Path conf = tmp.resolve("bad.conf");
        Files.writeString(conf, "appendonly maybe\n");
        assertThatThrownBy(() -> StartupConfig.read(conf, StartupConfig.defaults(tmp))).isInstanceOf(IOException.class)
                .hasMessageContaining("line 1").hasMessageContaining("not yes or no");
        Files.writeString(conf, "dir \"/unbalanced\n");
        assertThatThrownBy(() -> StartupConfig.read(conf, StartupConfig.defaults(tmp))).isInstanceOf(IOException.class)
                .hasMessageContaining("unbalanced quotes");
    }

    @Test
    void aServerOnAnotherHostGetsNoHostChecks() {
        Host remote = Host.of("192.0.2.10", 1);
        assertThat(remote.local()).isFalse();
        assertThat(remote.notLocal).contains("another host");
        Host local = Host.of("127.0.0.1", ProcessHandle.current().pid());
        assertThat(local.local()).isTrue();
        assertThat(local.pid).as("a java process is not a redis server").isEqualTo(-1);
    }

    @Test
    void saveRulesAreParsed() {
        assertThat(ConfigChecks.rules("3600 1 300 100")).containsExactly(new ConfigChecks.SaveRule(3600, 1),
                new ConfigChecks.SaveRule(300, 100));
        assertThat(ConfigChecks.rules("")).isEmpty();
    }
}
