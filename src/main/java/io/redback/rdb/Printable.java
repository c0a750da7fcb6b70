package io.redback.rdb;

/** Escapes bytes the way redis-cli shows them: printable ASCII as is, the rest as \xNN. */
public final class Printable {
    private Printable() {
    }

    public static String escape(byte[] b, int off, int len, int maxChars) {
        StringBuilder sb = new StringBuilder(Math.min(len, maxChars) + 8);
        for (int i = 0; i < len; i++) {
            if (sb.length() >= maxChars) {
                sb.append("...(").append(len).append(" bytes)");
                break;
            }
            int c = b[off + i] & 0xFF;
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c >= 0x20 && c < 0x7F) {
                        sb.append((char) c);
                    } else {
                        sb.append(String.format("\\x%02x", c));
                    }
                }
            }
        }
        return sb.toString();
    }

    public static String escape(byte[] b) {
        return escape(b, 0, b.length, 200);
    }
}
