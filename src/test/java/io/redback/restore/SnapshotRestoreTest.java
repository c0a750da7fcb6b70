package io.redback.restore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.redback.pitr.RestoreException;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.testsupport.TestRedis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The snapshot restore and its load check as a drill uses them: phases timed, keys compared. */
@io.redback.testsupport.Slow
class SnapshotRestoreTest {
    @TempDir
    Path tmp;

    @Test
    void anRdbIsFetchedVerifiedPutInPlaceAndLoadedWithEveryPhaseTimed() throws Exception {
        Path rdb = tmp.resolve("source.rdb");
        try (LocalRedisServer source = TestRedis.server().start(); RedisConnection c = source.connect()) {
            c.call("SET", "a", "1");
            c.call("SELECT", "2");
            c.call("SET", "b", "2");
            c.call("SAVE");
            Files.copy(source.rdbFile(), rdb);
        }
        List<Phase> told = new ArrayList<>();
        PhaseListener listener = (phase, took) -> told.add(phase);

        SnapshotRestore.Result r = new SnapshotRestore(new AtomicLong(), listener)
                .toDir(new SnapshotRestore.PlainRdb(rdb.toString(), Map.of()), tmp.resolve("out"), false);
        assertThat(r.target()).isEqualTo(tmp.resolve("out").toAbsolutePath().normalize().resolve("dump.rdb"));
        assertThat(r.manifest()).isNull();
        assertThat(r.report().keys()).isEqualTo(2);
        assertThat(r.phases().keySet()).containsExactly(Phase.FETCH, Phase.VERIFY);

        LoadCheck.Result loaded = LoadCheck.run(TestRedis.binary(), tmp.resolve("out"), listener);
        assertThat(loaded.matches()).isTrue();
        assertThat(loaded.keys().dbs()).extracting(LoadedKeys.Db::db, LoadedKeys.Db::loaded, LoadedKeys.Db::inRdb)
                .containsExactly(tuple(0, 1L, 1L), tuple(2, 1L, 1L));
        assertThat(loaded.phases().keySet()).containsExactly(Phase.LOAD, Phase.VALIDATE);
        assertThat(told).containsExactly(Phase.FETCH, Phase.VERIFY, Phase.LOAD, Phase.VALIDATE);
    }

    @Test
    void aDamagedRdbIsNeverPutInPlace() throws Exception {
        Path rdb = tmp.resolve("damaged.rdb");
        Files.writeString(rdb, "REDIS0011 not really", StandardCharsets.US_ASCII);
        SnapshotRestore restore = new SnapshotRestore(new AtomicLong(), PhaseListener.NONE);
        assertThatThrownBy(() -> restore.toDir(new SnapshotRestore.PlainRdb(rdb.toString(), Map.of()),
                tmp.resolve("out"), false))
                .isInstanceOfSatisfying(RestoreException.class,
                        e -> assertThat(e.kind()).isEqualTo(RestoreException.Kind.DAMAGED));
        assertThat(tmp.resolve("out/dump.rdb")).doesNotExist();
    }
}
