package io.redback.doctor;

import static io.redback.doctor.Check.evidence;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server log, when it is a file readable here: the lines Redis writes when persistence
 * breaks, each with how often it appears and when it last did. Only the log's last
 * {@link #TAIL} bytes are read, whatever its size.
 */
final class LogChecks {
    static final int TAIL = 16 << 20;
    // "12345:M 06 Dec 2026 17:38:27.123 # message"
    private static final Pattern STAMP = Pattern.compile("^\\d+:[A-Z] (\\d{1,2} \\w{3} \\d{4} \\d{2}:\\d{2}:\\d{2}(\\.\\d+)?)");

    /** A known line: a short name and the text that identifies it. */
    record Known(String name, String text) {
    }

    static final List<Known> KNOWN = List.of(
            new Known("fork-enomem", "fork: Cannot allocate memory"),
            new Known("aof-write-error", "Write error writing append only file"),
            new Known("aof-write-error", "Error writing to the AOF file"),
            new Known("aof-short-write", "Short write while writing to the AOF file"),
            new Known("bgsave-killed", "Background saving terminated by signal"),
            new Known("bgsave-error", "Background saving error"),
            new Known("rdb-open-failed", "Failed opening the temp RDB file"),
            new Known("short-read", "Short read"),
            new Known("bad-format", "Bad file format"));

    private LogChecks() {
    }

    static Check run(Server s, Host h) {
        String id = "log.errors";
        if (!h.local()) {
            return Check.skip(id, h.notLocal);
        }
        String logfile = s.config("logfile");
        if (logfile == null) {
            return Check.skip(id, "the log file is unknown: " + s.configRefused);
        }
        if (logfile.isEmpty()) {
            return Check.skip(id, "the server logs to stdout (logfile \"\"): read it with journalctl or docker logs");
        }
        Path p = Path.of(logfile);
        if (!p.isAbsolute() && s.config("dir") != null && !s.config("dir").isEmpty()) {
            p = Path.of(s.config("dir")).resolve(p); // the server changes into dir before it opens the log
        }
        if (!Files.isReadable(p)) {
            return Check.skip(id, "the log " + p + " is not readable here");
        }
        Map<String, Map<String, Object>> found = new LinkedHashMap<>();
        long size;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            size = f.length();
            long from = Math.max(0, size - TAIL);
            byte[] b = new byte[(int) (size - from)];
            f.seek(from);
            f.readFully(b);
            for (String line : new String(b, StandardCharsets.UTF_8).split("\n")) {
                for (Known k : KNOWN) {
                    if (line.contains(k.text())) {
                        Map<String, Object> e = found.computeIfAbsent(k.name(), n -> new LinkedHashMap<>());
                        e.merge("count", 1L, (a, x) -> (Long) a + 1);
                        Matcher m = STAMP.matcher(line);
                        if (m.find()) {
                            e.put("last", m.group(1));
                        }
                        e.put("line", line.strip());
                        break;
                    }
                }
            }
        } catch (IOException e) {
            return Check.skip(id, "cannot read " + p + ": " + e.getMessage());
        }
        Object[] ev = {"log", p.toString(), "bytesRead", Math.min(size, TAIL), "found", found};
        if (found.isEmpty()) {
            return Check.ok(id, "no persistence error in the log", evidence(ev));
        }
        StringBuilder msg = new StringBuilder("the log has persistence errors:");
        found.forEach((n, e) -> msg.append(' ').append(n).append(" x").append(e.get("count"))
                .append(e.containsKey("last") ? " (last " + e.get("last") + ")" : ""));
        return Check.warn(id, msg.toString(), evidence(ev), "see the matching info.* and host.* checks for the "
                + "cause; the log lines are in the evidence");
    }
}
