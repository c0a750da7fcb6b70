package io.redback.cli;

import java.util.List;
import java.util.stream.Collectors;

/** Quoting for command lines redback prints for a person to copy (POSIX shell single quotes). */
final class ShellQuote {
    private ShellQuote() {
    }

    /** {@code s} as one shell word: bare when it is plainly safe, else in single quotes. */
    static String quote(String s) {
        if (!s.isEmpty() && s.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || "_./:=+@,%-".indexOf(c) >= 0)) {
            return s;
        }
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** Always in single quotes: for patterns, whose stars a shell would expand. */
    static String quoteAlways(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static String join(List<String> words) {
        return words.stream().map(ShellQuote::quote).collect(Collectors.joining(" "));
    }
}
