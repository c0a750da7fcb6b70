package io.redback.aof;

import io.redback.rdb.Printable;
import io.redback.resp.RespCommand;
import java.util.ArrayList;
import java.util.List;

/**
 * A command shown to a person: arguments escaped the way redis-cli shows bytes, each cut to a
 * few dozen characters, an argument the reader did not keep shown as {@code <N bytes>}. Used by
 * {@code aof log} and by the cut report, so that a command looks the same in both.
 */
public final class CommandText {
    private CommandText() {
    }

    /** Argument {@code i}, escaped, at most {@code maxChars} characters before the "...(N bytes)" marker. */
    static String arg(RespCommand c, int i, int maxChars) {
        if (!c.retained(i)) {
            return "<" + c.argLength(i) + " bytes>";
        }
        return Printable.escape(c.data(), c.dataOffset(i), (int) c.argLength(i), maxChars);
    }

    /** Arguments 1.. (not the name), at most {@code maxArgs} of them. */
    static List<String> args(RespCommand c, int maxArgs, int maxChars) {
        List<String> out = new ArrayList<>(Math.min(maxArgs, c.argCount()));
        for (int i = 1; i < c.argCount() && out.size() < maxArgs; i++) {
            out.add(arg(c, i, maxChars));
        }
        return out;
    }

    /** {@code SET "user:1" "alice"}: the name as written, then quoted arguments, within about {@code width} characters. */
    public static String line(RespCommand c, int width) {
        StringBuilder sb = new StringBuilder(arg(c, 0, 40));
        for (int i = 1; i < c.argCount(); i++) {
            String a = '"' + arg(c, i, 40) + '"';
            if (sb.length() + 1 + a.length() > width && i > 1) {
                sb.append(" ... (+").append(c.argCount() - i).append(" more)");
                break;
            }
            sb.append(' ').append(a);
        }
        return sb.toString();
    }
}
