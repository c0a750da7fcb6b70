package io.redback.aof;

import io.redback.rdb.RdbConstants;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Tells what kind of Redis persistence input a path is, from its first and last bytes and its
 * name, without reading it through: an appendonlydir, a multi-part manifest, an AOF, an RDB, or
 * a file that starts like an RDB and could be an AOF with an RDB preamble. Only reading the
 * RDB to its end can settle the last case (do bytes follow it?), which {@link AofCheck} does.
 */
public final class PersistenceFiles {
    private PersistenceFiles() {
    }

    /** What a path holds. */
    public enum Kind {
        /** A directory: an appendonlydir. */
        DIR,
        /** A multi-part AOF manifest (a non-comment line starting with {@code file}). */
        MANIFEST,
        /** An AOF: starts with a command or annotation, or is named {@code .aof}. */
        AOF,
        /** An RDB file. */
        RDB,
        /**
         * Starts with an RDB header and ends with a line end, as an AOF with an RDB preamble
         * does: an AOF if commands follow the RDB, else an RDB.
         */
        RDB_OR_AOF
    }

    /** Decides from the name and the first and last bytes. */
    public static Kind detect(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            return Kind.DIR;
        }
        String name = String.valueOf(path.getFileName()).toLowerCase(Locale.ROOT);
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(6);
        }
        if (startsLikeRdb(head, head.length)) {
            if (name.endsWith(".aof")) {
                return Kind.AOF;
            }
            return lastByte(path) == '\n' ? Kind.RDB_OR_AOF : Kind.RDB;
        }
        if (AofManifest.looksLikeManifest(path) || (head.length == 0 && name.endsWith(".manifest"))) {
            return Kind.MANIFEST;
        }
        if ((head.length > 0 && (head[0] == '*' || head[0] == '#')) || name.endsWith(".aof")) {
            return Kind.AOF;
        }
        return Kind.RDB;
    }

    private static int lastByte(Path path) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            long n = f.length();
            if (n == 0) {
                return -1;
            }
            f.seek(n - 1);
            return f.read();
        }
    }

    /** Whether the first n bytes of head start like an RDB ({@code REDIS} or {@code VALKEY}): how Redis tells a preamble. */
    static boolean startsLikeRdb(byte[] head, int n) {
        return startsWith(head, n, RdbConstants.MAGIC_REDIS) || startsWith(head, n, RdbConstants.MAGIC_VALKEY);
    }

    private static boolean startsWith(byte[] b, int n, String magic) {
        if (n < magic.length()) {
            return false;
        }
        for (int i = 0; i < magic.length(); i++) {
            if (b[i] != magic.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
