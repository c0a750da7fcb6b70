package io.redback.aof;

import io.redback.resp.RespWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds AOF bytes by hand, remembering offsets: {@code new AofBytes().ts(100).cmd("SET", "k", "v")}. */
final class AofBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A {@code #TS:} annotation line. */
    AofBytes ts(long seconds) {
        return raw(("#TS:" + seconds + "\r\n").getBytes(StandardCharsets.US_ASCII));
    }

    AofBytes cmd(String... args) {
        return raw(RespWriter.encode(args));
    }

    AofBytes raw(byte[] b) {
        out.writeBytes(b);
        return this;
    }

    /** The offset the next item will start at. */
    long at() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    Path write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return Files.write(file, bytes());
    }

    /** A multi-part set in {@code dir}: the given base file bytes (may be null) and incr files 1..n. */
    static Path set(Path dir, byte[] baseRdb, AofBytes... incrs) throws IOException {
        Files.createDirectories(dir);
        StringBuilder manifest = new StringBuilder();
        if (baseRdb != null) {
            Files.write(dir.resolve("appendonly.aof.1.base.rdb"), baseRdb);
            manifest.append("file appendonly.aof.1.base.rdb seq 1 type b\n");
        }
        for (int i = 0; i < incrs.length; i++) {
            String name = "appendonly.aof." + (i + 1) + ".incr.aof";
            incrs[i].write(dir.resolve(name));
            manifest.append("file ").append(name).append(" seq ").append(i + 1).append(" type i\n");
        }
        Files.writeString(dir.resolve("appendonly.aof.manifest"), manifest);
        return dir;
    }
}
