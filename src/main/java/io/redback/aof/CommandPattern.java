package io.redback.aof;

import io.redback.resp.RespCommand;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Which command {@code --before} stops at: a command name, case-insensitive, optionally followed
 * by globs that the arguments must match in order ({@code FLUSHALL}, {@code 'DEL user:*'},
 * {@code 'HSET user:1 email'}, {@code 'FLUSH*'}). Tokens are split like redis-cli splits a line,
 * so a key with a space is written {@code "user 1"}. A command may have more arguments than the
 * pattern names. Name and argument globs are Redis globs ({@code * ? [a-z] \x}); argument globs
 * are case-sensitive, as keys are.
 */
public final class CommandPattern {
    private final String text;
    private final Glob name;
    private final List<Glob> args;

    private CommandPattern(String text, Glob name, List<Glob> args) {
        this.text = text;
        this.name = name;
        this.args = args;
    }

    /**
     * Parses a pattern.
     *
     * @throws IllegalArgumentException if it is empty or its quotes do not balance
     */
    public static CommandPattern parse(String text) {
        List<byte[]> tokens = text == null ? null : SplitArgs.split(text.getBytes(StandardCharsets.UTF_8));
        if (tokens == null) {
            throw new IllegalArgumentException("pattern '" + text + "': unbalanced quotes, or a closing quote not "
                    + "followed by a space");
        }
        if (tokens.isEmpty()) {
            throw new IllegalArgumentException("empty command pattern; expected a command name such as FLUSHALL, "
                    + "optionally followed by argument globs ('DEL user:*')");
        }
        List<Glob> args = new ArrayList<>();
        for (byte[] t : tokens.subList(1, tokens.size())) {
            args.add(new Glob(t, false));
        }
        return new CommandPattern(text.strip(), new Glob(tokens.get(0), true), List.copyOf(args));
    }

    /** Whether {@code c} is such a command. Arguments the reader did not keep match only {@code *}. */
    public boolean matches(AofCommand c) {
        return matches(c.resp());
    }

    /** Whether {@code c} is such a command (a command read by a {@link io.redback.resp.RespReader}). */
    public boolean matches(RespCommand c) {
        if (c.argCount() < 1 + args.size() || !matchesArg(name, c, 0)) {
            return false;
        }
        for (int i = 0; i < args.size(); i++) {
            if (!matchesArg(args.get(i), c, i + 1)) {
                return false;
            }
        }
        return true;
    }

    private static boolean matchesArg(Glob g, RespCommand c, int i) {
        if (!c.retained(i)) {
            return g.matchesEverything();
        }
        return g.matches(c.data(), c.dataOffset(i), (int) c.argLength(i));
    }

    /** The pattern as given. */
    @Override
    public String toString() {
        return text;
    }
}
