package io.redback.aof;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately naive AOF splitter, written separately from AofReader to cross-check it: it
 * turns the bytes into a String (one char per byte) and walks it with indexOf and substring.
 * It knows nothing of errors: anything unexpected is an IllegalArgumentException.
 */
final class TinyAof {
    /** A command: where it starts and ends and its arguments (bytes as ISO-8859-1 chars). */
    record Cmd(int start, int end, List<String> args) {
        String name() {
            return args.get(0).toLowerCase();
        }
    }

    /** An annotation line, line end included in [start, end). */
    record Ann(int start, int end, String text) {
    }

    record Parsed(List<Cmd> commands, List<Ann> annotations) {
    }

    private TinyAof() {
    }

    static Parsed parse(byte[] bytes, int from) {
        String s = new String(bytes, StandardCharsets.ISO_8859_1);
        List<Cmd> cmds = new ArrayList<>();
        List<Ann> anns = new ArrayList<>();
        int p = from;
        while (p < s.length()) {
            if (s.charAt(p) == '#') {
                int nl = s.indexOf('\n', p);
                int end = nl < 0 ? s.length() : nl + 1;
                anns.add(new Ann(p, end, s.substring(p, nl < 0 ? s.length() : nl).replace("\r", "")));
                p = end;
                continue;
            }
            if (s.charAt(p) != '*') {
                throw new IllegalArgumentException("no command at " + p);
            }
            int start = p;
            int eol = s.indexOf("\r\n", p);
            int n = Integer.parseInt(s.substring(p + 1, eol));
            p = eol + 2;
            List<String> args = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (s.charAt(p) != '$') {
                    throw new IllegalArgumentException("no bulk at " + p);
                }
                eol = s.indexOf("\r\n", p);
                int len = Integer.parseInt(s.substring(p + 1, eol));
                p = eol + 2;
                args.add(s.substring(p, p + len));
                p += len;
                if (!s.startsWith("\r\n", p)) {
                    throw new IllegalArgumentException("no CRLF at " + p);
                }
                p += 2;
            }
            cmds.add(new Cmd(start, p, args));
        }
        return new Parsed(cmds, anns);
    }

    /**
     * Where Redis's loader would cut a file that ends at {@code length}: after the last command
     * wholly before it that leaves no MULTI open. Equal to length when nothing would be cut.
     */
    static int keepUpTo(Parsed parsed, int length) {
        int keep = 0;
        boolean inMulti = false;
        for (Cmd c : parsed.commands()) {
            if (c.end() > length) {
                break;
            }
            if (c.name().equals("multi")) {
                inMulti = true;
            } else if (c.name().equals("exec")) {
                inMulti = false;
            }
            if (!inMulti) {
                keep = c.end();
            }
        }
        return keep;
    }

    /** Whether a file cut at {@code length} is whole: no command cut in two, no MULTI left open. */
    static boolean wholeAt(Parsed parsed, int length) {
        boolean inMulti = false;
        for (Cmd c : parsed.commands()) {
            if (c.start() < length && c.end() > length) {
                return false;
            }
            if (c.end() <= length) {
                if (c.name().equals("multi")) {
                    inMulti = true;
                } else if (c.name().equals("exec")) {
                    inMulti = false;
                }
            }
        }
        return !inMulti;
    }
}
