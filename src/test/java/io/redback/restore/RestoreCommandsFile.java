package io.redback.restore;

import io.redback.rdb.RdbHeader;
import io.redback.rdb.RdbKey;
import io.redback.rdb.RdbReader;
import io.redback.rdb.RdbVisitor;
import io.redback.resp.Resp;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * For bench/restore-into.sh: writes the RESTORE commands (with SELECT) of an RDB's keys as RESP,
 * the input {@code redis-cli --pipe} is timed on, built from the same payloads redback sends.
 * Usage: {@code RestoreCommandsFile IN.rdb OUT.resp}.
 */
public final class RestoreCommandsFile {
    private RestoreCommandsFile() {
    }

    public static void main(String[] args) throws Exception {
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        try (InputStream is = new BufferedInputStream(Files.newInputStream(in), 1 << 16);
             OutputStream os = new BufferedOutputStream(Files.newOutputStream(out, StandardOpenOption.CREATE_NEW),
                     1 << 20)) {
            DumpPayload payload = new DumpPayload();
            int[] version = new int[1];
            int[] db = {-1};
            new RdbReader(is).read(new RdbVisitor() {
                @Override
                public boolean wantsValues() {
                    return false;
                }

                @Override
                public void header(RdbHeader h) {
                    version[0] = h.version();
                }

                @Override
                public RawValueSink rawValue(RdbKey key) {
                    payload.start(key.type().code());
                    return payload::write;
                }

                @Override
                public void endKey(RdbKey key, long elements, long valueBytes) {
                    try {
                        if (key.db() != db[0]) {
                            db[0] = key.db();
                            Resp.writeCommand(os, "SELECT", (long) key.db());
                        }
                        byte[] dump = payload.finish(version[0]);
                        if (key.hasExpiry()) {
                            Resp.writeCommand(os, "RESTORE", key.name(), key.expireAtMs(), dump, "ABSTTL");
                        } else {
                            Resp.writeCommand(os, "RESTORE", key.name(), 0L, dump);
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
        }
    }
}
