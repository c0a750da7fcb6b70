package io.redback.repo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which snapshots of a source to keep, as restic's {@code forget} options: the newest
 * {@code last} snapshots, and the newest snapshot of each of the newest {@code hourly} hours,
 * {@code daily} days, {@code weekly} ISO weeks, {@code monthly} months and {@code yearly} years
 * that have snapshots (UTC). 0 turns a rule off and {@value #UNLIMITED} keeps every period. A
 * snapshot is kept when any rule keeps it; see {@link Retention}.
 */
public record RetentionPolicy(int last, int hourly, int daily, int weekly, int monthly, int yearly) {
    /** Keep the newest snapshot of every period, forever. */
    public static final int UNLIMITED = -1;
    /** No rule: prune keeps every snapshot (and only removes garbage). */
    public static final RetentionPolicy NONE = new RetentionPolicy(0, 0, 0, 0, 0, 0);
    /** {@code --keep-hourly 24 --keep-daily 30 --keep-weekly 52 --keep-monthly -1}. */
    public static final RetentionPolicy DEFAULT = new RetentionPolicy(0, 24, 30, 52, UNLIMITED, 0);

    private static final List<String> FLAGS = List.of("last", "hourly", "daily", "weekly", "monthly", "yearly");

    public RetentionPolicy {
        for (int n : new int[] {last, hourly, daily, weekly, monthly, yearly}) {
            if (n < UNLIMITED) {
                throw new IllegalArgumentException("a --keep-* count must be 0 or more, or -1 for unlimited, not " + n);
            }
        }
    }

    /** True when no rule is on. */
    public boolean isEmpty() {
        return equals(NONE);
    }

    /**
     * Parses options as restic writes them: {@code --keep-hourly 24 --keep-monthly -1}
     * ({@code --keep-daily=30} and the value {@code unlimited} work too; omitted rules are 0).
     */
    public static RetentionPolicy parse(String options) {
        int[] counts = new int[FLAGS.size()];
        String[] words = options.strip().isEmpty() ? new String[0] : options.strip().split("\\s+");
        for (int i = 0; i < words.length; i++) {
            String word = words[i];
            String value;
            int eq = word.indexOf('=');
            if (eq >= 0) {
                value = word.substring(eq + 1);
                word = word.substring(0, eq);
            } else if (i + 1 < words.length) {
                value = words[++i];
            } else {
                throw new IllegalArgumentException(word + " needs a count");
            }
            int rule = word.startsWith("--keep-") ? FLAGS.indexOf(word.substring("--keep-".length())) : -1;
            if (rule < 0) {
                throw new IllegalArgumentException("'" + word + "' is not a retention option: use --keep-"
                        + String.join(", --keep-", FLAGS));
            }
            counts[rule] = count(word, value);
        }
        return new RetentionPolicy(counts[0], counts[1], counts[2], counts[3], counts[4], counts[5]);
    }

    private static int count(String flag, String value) {
        if (value.toLowerCase(Locale.ROOT).equals("unlimited")) {
            return UNLIMITED;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " " + value + ": the count must be a number, -1 or unlimited", e);
        }
    }

    /** The options that give this policy, e.g. {@code --keep-hourly 24 --keep-monthly -1}. */
    @Override
    public String toString() {
        int[] counts = {last, hourly, daily, weekly, monthly, yearly};
        List<String> words = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) {
                words.add("--keep-" + FLAGS.get(i) + " " + counts[i]);
            }
        }
        return words.isEmpty() ? "(no --keep-* rule)" : String.join(" ", words);
    }
}
