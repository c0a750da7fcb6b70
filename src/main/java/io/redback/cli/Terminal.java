package io.redback.cli;

import java.io.FilterWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;

/**
 * Facts about where output goes (progress bars appear only for a person watching), and the one
 * place that makes text safe for a terminal: manifests, stream.json, a server's INFO and its
 * error replies are written by others, and a control character in them (ESC, CR, a bidi
 * override) must not move the cursor, recolour, hide or retitle what the operator reads. Every
 * command prints through {@link #out} and {@link #err}, which escape them on the way out.
 */
final class Terminal {
    private Terminal() {
    }

    /** Whether standard error is a terminal (Linux: /proc/self/fd/2 is a tty device). */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return System.console() != null;
        }
    }

    /** The command's standard output, with control characters escaped ({@link #safe}); line breaks pass. */
    static PrintWriter out(CommandLine.Model.CommandSpec spec) {
        return escaping(spec.commandLine().getOut());
    }

    /** The command's standard error, with control characters escaped ({@link #safe}); line breaks pass. */
    static PrintWriter err(CommandLine.Model.CommandSpec spec) {
        return escaping(spec.commandLine().getErr());
    }

    /**
     * {@code text} with every control character escaped: C0 controls other than tab (including
     * CR and line feed: one field, one line) as {@code \xNN}; DEL, the C1 controls and the
     * bidirectional overrides and isolates as {@code \}{@code uNNNN} (so that escaped JSON stays
     * JSON). Null stays null. Everything else, non-ASCII letters included, is kept.
     */
    static String safe(String text) {
        if (text == null) {
            return null;
        }
        int i = 0;
        while (i < text.length() && !unsafe(text.charAt(i), false)) {
            i++;
        }
        if (i == text.length()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + 16).append(text, 0, i);
        for (; i < text.length(); i++) {
            escapeInto(sb, text.charAt(i), false);
        }
        return sb.toString();
    }

    private static boolean unsafe(char c, boolean lineBreaksPass) {
        if (c < 0x20) {
            return c != '\t' && !(lineBreaksPass && c == '\n');
        }
        return c == 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
                || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f || c == 0x061c;
    }

    private static void escapeInto(StringBuilder sb, char c, boolean lineBreaksPass) {
        if (!unsafe(c, lineBreaksPass)) {
            sb.append(c);
        } else if (c < 0x20) {
            sb.append(String.format("\\x%02x", (int) c));
        } else {
            sb.append(String.format("\\u%04x", (int) c));
        }
    }

    private static PrintWriter escaping(PrintWriter target) {
        return target instanceof EscapingPrintWriter ? target : new EscapingPrintWriter(target);
    }

    /** A PrintWriter whose every character goes through the escaping, line breaks excepted. */
    private static final class EscapingPrintWriter extends PrintWriter {
        EscapingPrintWriter(PrintWriter target) {
            super(new Escaping(target), true);
        }
    }

    private static final class Escaping extends FilterWriter {
        Escaping(Writer target) {
            super(target);
        }

        @Override
        public void write(int c) throws IOException {
            write(new char[] {(char) c}, 0, 1);
        }

        @Override
        public void write(char[] chars, int off, int len) throws IOException {
            int from = off;
            int end = off + len;
            for (int i = off; i < end; i++) {
                if (unsafe(chars[i], true)) {
                    out.write(chars, from, i - from);
                    StringBuilder sb = new StringBuilder(6);
                    escapeInto(sb, chars[i], true);
                    out.write(sb.toString());
                    from = i + 1;
                }
            }
            out.write(chars, from, end - from);
        }

        @Override
        public void write(String s, int off, int len) throws IOException {
            write(s.toCharArray(), off, len);
        }
    }
}
