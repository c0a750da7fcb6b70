package io.redback.drill;

import io.redback.redis.RedisConnection;
import io.redback.redis.RedisErrorReply;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * One {@code --assert} of a drill: a read a person would type into redis-cli after a restore, and
 * what it must answer. The grammar is small on purpose, in database 0:
 * <pre>
 * GET key == value
 * HGET key field == value
 * TYPE key == string|list|set|zset|hash|stream
 * EXISTS key
 * SCARD|LLEN|ZCARD|HLEN|STRLEN key == n
 * </pre>
 * Words are separated by spaces; a word holding spaces is quoted with {@code '...'} or
 * {@code "..."} (a backslash escapes the next character inside quotes).
 */
public record Assertion(String text, String command, List<String> args, String expected) {
    private static final List<String> COUNTS = List.of("SCARD", "LLEN", "ZCARD", "HLEN", "STRLEN");

    public Assertion {
        args = List.copyOf(args);
    }

    /**
     * Parses one assertion.
     *
     * @throws IllegalArgumentException naming the text and the forms accepted
     */
    public static Assertion parse(String text) {
        List<String> words = words(text);
        String usage = "--assert '" + text + "' is not an assertion: use GET key == value, HGET key field == value, "
                + "TYPE key == type, EXISTS key, or SCARD|LLEN|ZCARD|HLEN|STRLEN key == n";
        if (words.isEmpty()) {
            throw new IllegalArgumentException(usage);
        }
        String command = words.get(0).toUpperCase(Locale.ROOT);
        if (command.equals("EXISTS")) {
            if (words.size() != 2) {
                throw new IllegalArgumentException(usage);
            }
            return new Assertion(text, command, List.of(words.get(1)), null);
        }
        int arity = switch (command) {
            case "GET", "TYPE", "SCARD", "LLEN", "ZCARD", "HLEN", "STRLEN" -> 1;
            case "HGET" -> 2;
            default -> throw new IllegalArgumentException(usage);
        };
        if (words.size() != arity + 3 || !words.get(arity + 1).equals("==")) {
            throw new IllegalArgumentException(usage);
        }
        String expected = words.get(arity + 2);
        if (COUNTS.contains(command) && !expected.matches("\\d{1,18}")) {
            throw new IllegalArgumentException("--assert '" + text + "': " + command + " answers a number; "
                    + "expected == followed by one");
        }
        return new Assertion(text, command, words.subList(1, arity + 1), expected);
    }

    /** Where an assertion's read goes: one connection, or the primary serving the key's slot in a cluster. */
    @FunctionalInterface
    interface Reader {
        /** The reply to command, a read of key (its first argument). */
        Object call(byte[] key, Object... command) throws IOException;
    }

    /**
     * Asks c (database 0 selected) and says what is wrong, or empty when the answer is the
     * expected one.
     */
    public Optional<String> check(RedisConnection c) throws IOException {
        return check((key, command) -> c.call(command));
    }

    /** As {@link #check(RedisConnection)}, the read sent where reader sends a read of the assertion's key. */
    Optional<String> check(Reader reader) throws IOException {
        Object[] call = new Object[args.size() + 1];
        call[0] = command;
        for (int i = 0; i < args.size(); i++) {
            call[i + 1] = args.get(i).getBytes(StandardCharsets.UTF_8);
        }
        Object reply;
        try {
            reply = reader.call((byte[]) call[1], call);
        } catch (RedisErrorReply e) {
            return Optional.of("assert " + text + ": the server answered " + e.getMessage());
        }
        if (command.equals("EXISTS")) {
            return reply instanceof Long n && n > 0 ? Optional.empty()
                    : Optional.of("assert " + text + ": the key does not exist");
        }
        String served = reply instanceof byte[] b ? new String(b, StandardCharsets.UTF_8)
                : reply == null ? null : String.valueOf(reply);
        if (expected.equals(served)) {
            return Optional.empty();
        }
        return Optional.of("assert " + text + ": expected " + expected + ", served "
                + (served == null ? "nothing (no such key or field)" : served));
    }

    /** Splits text into words: spaces separate, quotes group, a backslash in quotes escapes. */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder w = null;
        char quote = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quote != 0) {
                if (ch == '\\' && i + 1 < text.length()) {
                    w.append(text.charAt(++i));
                } else if (ch == quote) {
                    quote = 0;
                } else {
                    w.append(ch);
                }
            } else if (Character.isWhitespace(ch)) {
                if (w != null) {
                    out.add(w.toString());
                    w = null;
                }
            } else {
                if (w == null) {
                    w = new StringBuilder();
                }
                if (ch == '\'' || ch == '"') {
                    quote = ch;
                } else {
                    w.append(ch);
                }
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("--assert '" + text + "': a quote is not closed");
        }
        if (w != null) {
            out.add(w.toString());
        }
        return out;
    }
}
