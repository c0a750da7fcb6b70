package io.redback.aof;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Redis's {@code sdssplitargs} and {@code sdscatrepr}, byte for byte: how manifest lines are
 * split into tokens (blanks separate; "double quotes" with \\xHH, \\n, \\r, \\t, \\b, \\a and
 * \\&lt;char&gt; escapes; 'single quotes' with only \\'; a closing quote must be followed by a
 * blank or the end) and how a name that needs it is quoted when written. Redis splits
 * {@code redis.conf} lines the same way, so the config reader of {@code recover} uses it too.
 */
public final class SplitArgs {
    private SplitArgs() {
    }

    /** The tokens of a line, or null where Redis fails (unbalanced quotes, a quote followed by a non-blank). */
    public static List<byte[]> split(byte[] line) {
        List<byte[]> tokens = new ArrayList<>();
        int p = 0;
        int n = line.length;
        while (true) {
            while (p < n && isSpace(line[p])) {
                p++;
            }
            if (p >= n) {
                return tokens;
            }
            ByteArrayOutputStream cur = new ByteArrayOutputStream();
            boolean inq = false;
            boolean insq = false;
            boolean done = false;
            while (!done) {
                int c = p < n ? line[p] & 0xFF : 0;
                int c1 = p + 1 < n ? line[p + 1] & 0xFF : 0;
                if (inq) {
                    if (c == '\\' && c1 == 'x' && p + 3 < n && isHex(line[p + 2]) && isHex(line[p + 3])) {
                        cur.write(Character.digit(line[p + 2], 16) * 16 + Character.digit(line[p + 3], 16));
                        p += 3;
                    } else if (c == '\\' && c1 != 0) {
                        p++;
                        cur.write(switch (c1) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            case 't' -> '\t';
                            case 'b' -> '\b';
                            case 'a' -> 7;
                            default -> c1;
                        });
                    } else if (c == '"') {
                        if (c1 != 0 && !isSpace((byte) c1)) {
                            return null;
                        }
                        done = true;
                    } else if (c == 0) {
                        return null;
                    } else {
                        cur.write(c);
                    }
                } else if (insq) {
                    if (c == '\\' && c1 == '\'') {
                        p++;
                        cur.write('\'');
                    } else if (c == '\'') {
                        if (c1 != 0 && !isSpace((byte) c1)) {
                            return null;
                        }
                        done = true;
                    } else if (c == 0) {
                        return null;
                    } else {
                        cur.write(c);
                    }
                } else {
                    switch (c) {
                        case ' ', '\n', '\r', '\t', 0 -> done = true;
                        case '"' -> inq = true;
                        case '\'' -> insq = true;
                        default -> cur.write(c);
                    }
                }
                if (p < n) {
                    p++;
                }
            }
            tokens.add(cur.toByteArray());
        }
    }

    /**
     * Whether a name must be written quoted: sdsneedsrepr, plus a single quote, which Redis
     * writes bare although its own sdssplitargs then reads it as an unbalanced quote.
     */
    static boolean needsRepr(byte[] s) {
        for (byte b : s) {
            int c = b & 0xFF;
            if (c == '\\' || c == '\'' || c == '"' || c == '\n' || c == '\r' || c == '\t' || c == 7 || c == '\b'
                    || !isPrint(c) || isSpace(b)) {
                return true;
            }
        }
        return false;
    }

    /** The quoted form (sdscatrepr). */
    static String repr(byte[] s) {
        StringBuilder sb = new StringBuilder("\"");
        for (byte b : s) {
            int c = b & 0xFF;
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case 7 -> sb.append("\\a");
                case '\b' -> sb.append("\\b");
                default -> {
                    if (isPrint(c)) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return sb.append('"').toString();
    }

    /** C isspace in the C locale. */
    static boolean isSpace(byte b) {
        return b == ' ' || b == '\t' || b == '\n' || b == 0x0B || b == '\f' || b == '\r';
    }

    private static boolean isPrint(int c) {
        return c >= 0x20 && c < 0x7F;
    }

    private static boolean isHex(byte b) {
        return Character.digit(b, 16) >= 0;
    }
}
