package io.redback.aof;

import java.nio.charset.StandardCharsets;

/**
 * A {@code #} line between commands, which Redis skips when loading. Redis writes one kind,
 * {@code #TS:<unix seconds>} (with {@code aof-timestamp-enabled yes}, before the first command of
 * each second); {@link #timestamp()} is its value, or -1 for any other line. {@code terminated}
 * is false for a line the file ends in (Redis ignores it too; its value is not trusted).
 */
public record AofAnnotation(long offset, int length, byte[] text, long timestamp, boolean terminated) {

    /** The line as text, without its line end. */
    public String textString() {
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    public boolean isTimestamp() {
        return timestamp >= 0;
    }

    /** Parses {@code #TS:<digits>}; anything else (or an unterminated line) is not a timestamp. */
    static AofAnnotation of(long offset, int length, byte[] text, boolean terminated) {
        long ts = -1;
        if (terminated && text.length > 4 && text.length <= 4 + 18
                && text[0] == '#' && text[1] == 'T' && text[2] == 'S' && text[3] == ':') {
            long v = 0;
            int i = 4;
            for (; i < text.length && text[i] >= '0' && text[i] <= '9'; i++) {
                v = v * 10 + (text[i] - '0');
            }
            ts = i == text.length ? v : -1;
        }
        return new AofAnnotation(offset, length, text, ts, terminated);
    }
}
