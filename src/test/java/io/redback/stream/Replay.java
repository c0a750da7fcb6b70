package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import io.redback.bytes.Sha256;
import io.redback.redis.LocalRedisServer;
import io.redback.redis.RedisConnection;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.Timeline;
import io.redback.testsupport.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An oracle for streamed repositories that shares no code with redback's restore: the
 * timeline's base snapshot loaded into a fresh redis-server, then every segment's commands sent
 * to it one by one. Also checks each segment's hashes and that its command bytes add up to its
 * offsets.
 */
final class Replay {
    private Replay() {
    }

    /** DEBUG DIGEST of the timeline replayed to its last restorable offset. */
    static String digest(Repository repo, Timeline t, Path temp) throws IOException {
        SnapshotManifest base = repo.catalog().find(t.manifest().source(), t.id().toString());
        Path rdb = Files.createTempFile(temp, "base", ".rdb");
        try (InputStream in = repo.storage().get(base.object())) {
            Files.write(rdb, Zstd.decompress(in.readAllBytes(), (int) base.rawSize()));
        }
        try (LocalRedisServer replay = Datasets.server().rdb(rdb).start();
             RedisConnection c = replay.connect()) {
            for (SegmentManifest s : t.contiguous()) {
                byte[] data;
                try (InputStream in = repo.storage().get(s.object())) {
                    data = Zstd.decompress(in.readAllBytes(), (int) s.rawSize());
                }
                assertThat(Sha256.of(data)).isEqualTo(s.sha256Raw());
                List<byte[][]> commands = commands(data);
                assertThat(commands.stream().mapToLong(Replay::encodedLength).sum()).isEqualTo(s.streamBytes());
                if (s.selectedDb() >= 0) {
                    c.call("SELECT", Integer.toString(s.selectedDb()));
                }
                for (byte[][] cmd : commands) {
                    String name = new String(cmd[0], StandardCharsets.US_ASCII).toUpperCase();
                    if (!name.equals("PING") && !name.equals("REPLCONF")) {
                        c.call((Object[]) cmd);
                    }
                }
            }
            return Datasets.digest(replay);
        } finally {
            Files.deleteIfExists(rdb);
        }
    }

    /** The commands of a segment's AOF, #TS annotations skipped. */
    static List<byte[][]> commands(byte[] aof) {
        List<byte[][]> out = new ArrayList<>();
        int p = 0;
        while (p < aof.length) {
            if (aof[p] == '#') {
                assertThat(new String(aof, p, 4, StandardCharsets.US_ASCII)).isEqualTo("#TS:");
                while (aof[p] != '\n') {
                    p++;
                }
                p++;
                continue;
            }
            int[] at = {p};
            int n = (int) number(aof, at, '*');
            byte[][] args = new byte[n][];
            for (int i = 0; i < n; i++) {
                int len = (int) number(aof, at, '$');
                args[i] = Arrays.copyOfRange(aof, at[0], at[0] + len);
                at[0] += len + 2;
            }
            out.add(args);
            p = at[0];
        }
        return out;
    }

    private static long number(byte[] b, int[] at, char type) {
        assertThat((char) b[at[0]]).isEqualTo(type);
        int p = at[0] + 1;
        long v = 0;
        while (b[p] != '\r') {
            v = v * 10 + (b[p++] - '0');
        }
        at[0] = p + 2;
        return v;
    }

    static long encodedLength(byte[][] cmd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("*" + cmd.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
        for (byte[] a : cmd) {
            out.writeBytes(("$" + a.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(a);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        return out.size();
    }
}
