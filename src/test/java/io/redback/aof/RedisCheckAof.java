package io.redback.aof;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs Redis's own redis-check-aof (without --fix) on a single AOF file, when it is installed. */
final class RedisCheckAof {
    /** What it said: whether the file is valid and up to which offset it is ("ok_up_to"). */
    record Verdict(boolean valid, long okUpTo, String output) {
    }

    private static final Pattern OK_UP_TO = Pattern.compile("ok_up_to=(\\d+)");

    private RedisCheckAof() {
    }

    static Optional<Path> binary() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, "redis-check-aof");
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    static Verdict check(Path binary, Path aof) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(binary.toString(), aof.toString()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("redis-check-aof did not finish on " + aof);
        }
        Matcher m = OK_UP_TO.matcher(out);
        long okUpTo = m.find() ? Long.parseLong(m.group(1)) : Files.size(aof);
        boolean valid = p.exitValue() == 0 && (out.contains("is valid") || out.contains("is empty"));
        return new Verdict(valid, okUpTo, out);
    }
}
