package io.redback.doctor;

import io.redback.aof.SplitArgs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The directives that decide what a Redis server loads at startup: {@code dir},
 * {@code dbfilename}, {@code appendonly}, {@code appenddirname}, {@code appendfilename} and
 * {@code aof-load-truncated}, with Redis's defaults. {@link #read} parses a {@code redis.conf}
 * the way Redis does: lines split like {@code sdssplitargs}, directive names in any case, the
 * last occurrence wins, {@code include} files read in place.
 */
public record StartupConfig(Path dir, String dbfilename, boolean appendonly, String appenddirname,
                            String appendfilename, boolean aofLoadTruncated) {
    /** Redis's defaults, in dir. */
    public static StartupConfig defaults(Path dir) {
        return new StartupConfig(dir, "dump.rdb", false, "appendonlydir", "appendonly.aof", true);
    }

    private static final int MAX_INCLUDE_DEPTH = 8;
    private static final int MAX_CONFIG_BYTES = 16 << 20;

    /**
     * Reads the directives from a redis.conf on top of base.
     *
     * @throws IOException if the file (or an included one) cannot be read, or a line is one Redis refuses
     */
    public static StartupConfig read(Path conf, StartupConfig base) throws IOException {
        return read(conf, base, 0);
    }

    private static StartupConfig read(Path conf, StartupConfig c, int depth) throws IOException {
        if (depth > MAX_INCLUDE_DEPTH) {
            throw new IOException(conf + ": includes nested deeper than " + MAX_INCLUDE_DEPTH);
        }
        byte[] content;
        try (InputStream in = Files.newInputStream(conf)) {
            content = in.readNBytes(MAX_CONFIG_BYTES);
        }
        String[] lines = new String(content, StandardCharsets.UTF_8).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            List<byte[]> tokens = SplitArgs.split(line.getBytes(StandardCharsets.UTF_8));
            if (tokens == null) {
                throw new IOException(conf + " line " + (i + 1) + ": unbalanced quotes in '" + line
                        + "'; Redis refuses to start with it");
            }
            if (tokens.isEmpty()) {
                continue;
            }
            String name = new String(tokens.get(0), StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
            String value = tokens.size() > 1 ? new String(tokens.get(1), StandardCharsets.UTF_8) : "";
            switch (name) {
                case "include" -> {
                    Path inc = Path.of(value);
                    c = read(inc.isAbsolute() ? inc : conf.toAbsolutePath().getParent().resolve(inc), c, depth + 1);
                }
                case "dir" -> c = new StartupConfig(Path.of(value), c.dbfilename, c.appendonly, c.appenddirname,
                        c.appendfilename, c.aofLoadTruncated);
                case "dbfilename" -> c = new StartupConfig(c.dir, value, c.appendonly, c.appenddirname,
                        c.appendfilename, c.aofLoadTruncated);
                case "appendonly" -> c = new StartupConfig(c.dir, c.dbfilename, yes(conf, i, name, value),
                        c.appenddirname, c.appendfilename, c.aofLoadTruncated);
                case "appenddirname" -> c = new StartupConfig(c.dir, c.dbfilename, c.appendonly, value,
                        c.appendfilename, c.aofLoadTruncated);
                case "appendfilename" -> c = new StartupConfig(c.dir, c.dbfilename, c.appendonly, c.appenddirname,
                        value, c.aofLoadTruncated);
                case "aof-load-truncated" -> c = new StartupConfig(c.dir, c.dbfilename, c.appendonly,
                        c.appenddirname, c.appendfilename, yes(conf, i, name, value));
                default -> {
                    // every other directive leaves what is loaded alone
                }
            }
        }
        return c;
    }

    private static boolean yes(Path conf, int line, String name, String value) throws IOException {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "yes" -> true;
            case "no" -> false;
            default -> throw new IOException(conf + " line " + (line + 1) + ": " + name + " '" + value
                    + "' is not yes or no; Redis refuses to start with it");
        };
    }

    public StartupConfig withDir(Path newDir) {
        return new StartupConfig(newDir, dbfilename, appendonly, appenddirname, appendfilename, aofLoadTruncated);
    }

    public StartupConfig withAppendonly(boolean on) {
        return new StartupConfig(dir, dbfilename, on, appenddirname, appendfilename, aofLoadTruncated);
    }

    public StartupConfig withDbfilename(String name) {
        return new StartupConfig(dir, name, appendonly, appenddirname, appendfilename, aofLoadTruncated);
    }

    public StartupConfig withAppenddirname(String name) {
        return new StartupConfig(dir, dbfilename, appendonly, name, appendfilename, aofLoadTruncated);
    }

    public StartupConfig withAppendfilename(String name) {
        return new StartupConfig(dir, dbfilename, appendonly, appenddirname, name, aofLoadTruncated);
    }

    public StartupConfig withAofLoadTruncated(boolean on) {
        return new StartupConfig(dir, dbfilename, appendonly, appenddirname, appendfilename, on);
    }

    /** The RDB file: dir/dbfilename. */
    public Path rdbFile() {
        return dir.resolve(dbfilename);
    }

    /** The multi-part AOF's directory: dir/appenddirname. */
    public Path aofDir() {
        return dir.resolve(appenddirname);
    }

    /** The manifest: dir/appenddirname/appendfilename.manifest. */
    public Path manifest() {
        return aofDir().resolve(appendfilename + ".manifest");
    }

    /** An AOF of before Redis 7: dir/appendfilename, which Redis 7 moves into appenddirname at startup. */
    public Path oldStyleAof() {
        return dir.resolve(appendfilename);
    }
}
