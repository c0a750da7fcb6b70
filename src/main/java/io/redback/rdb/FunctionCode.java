package io.redback.rdb;

import java.nio.charset.StandardCharsets;

/**
 * What redback reads from a function library's code as an RDB stores it: the library's name, from
 * the shebang line ({@code #!lua name=mylib}), the way {@code FUNCTION LOAD} takes it. Only the
 * first KiB is looked at, whatever the code's size.
 */
public final class FunctionCode {
    private FunctionCode() {
    }

    /** The library name in code's first line, or null when it names none. */
    public static String libraryName(byte[] code) {
        String s = new String(code, 0, Math.min(code.length, 1024), StandardCharsets.UTF_8);
        int nl = s.indexOf('\n');
        String first = nl < 0 ? s : s.substring(0, nl);
        for (String token : first.split("\\s+")) {
            if (token.startsWith("name=")) {
                return token.substring(5);
            }
        }
        return null;
    }
}
