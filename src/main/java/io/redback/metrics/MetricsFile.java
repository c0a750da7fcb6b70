package io.redback.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.redback.files.NewFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A file of redback's {@link Metrics} in Prometheus's text format, for node_exporter's textfile
 * collector, kept by one-shot commands ({@code --metrics-file}). Each run reads what earlier runs
 * wrote, so counters keep counting and a failed run leaves the last success where it was, updates
 * what it knows and writes the whole file again: beside the target, then renamed over it, so the
 * collector never reads half a file. Runs writing the same file one after the other merge into it;
 * runs at the same time take turns on a lock file beside it ({@code <file>.lock}, which the
 * collector ignores as it reads only {@code *.prom}).
 */
public final class MetricsFile {
    /** What a run changes: metrics holds what the file held, sourcesBefore the sources it named. */
    @FunctionalInterface
    public interface Change {
        void apply(Metrics metrics, Set<String> sourcesBefore) throws IOException;
    }

    private MetricsFile() {
    }

    /** Reads file (when there is one), applies change and writes the result back atomically. */
    public static void update(Path file, Change change) throws IOException {
        Path target = file.toAbsolutePath();
        Path lock = target.resolveSibling(target.getFileName() + ".lock");
        NewFile.refuseLink(lock);
        try (FileChannel ch = FileChannel.open(lock, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)); var held = ch.lock()) {
            Metrics metrics = new Metrics();
            Set<String> sources = new TreeSet<>();
            NewFile.refuseLink(target);
            try {
                for (String line : Files.readAllLines(target, StandardCharsets.UTF_8)) {
                    load(metrics, line, sources);
                }
            } catch (NoSuchFileException e) {
                // the first run: nothing to carry over
            }
            change.apply(metrics, Set.copyOf(sources));
            NewFile.write(target, metrics.scrape(), NewFile.Mode.DEFAULT);
        }
    }

    /** Sets one sample line of an earlier run into metrics; lines redback does not declare are dropped. */
    private static void load(Metrics metrics, String line, Set<String> sources) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) {
            return;
        }
        int brace = l.indexOf('{');
        int space = l.lastIndexOf(' ');
        if (space < 0) {
            return;
        }
        String name = (brace < 0 ? l.substring(0, space) : l.substring(0, brace)).strip();
        Metrics.Declared d = metrics.declared(name);
        if (d == null) {
            return;
        }
        Map<String, String> labels = brace < 0 ? Map.of() : labels(l, brace + 1);
        if (labels == null || !labels.keySet().equals(Set.copyOf(d.labels()))) {
            return;
        }
        double value;
        try {
            value = value(l.substring(space + 1).strip());
        } catch (NumberFormatException e) {
            return;
        }
        List<String> values = new ArrayList<>();
        for (String label : d.labels()) {
            values.add(labels.get(label));
        }
        String[] v = values.toArray(String[]::new);
        if (d.metric() instanceof Gauge g) {
            g.labelValues(v).set(value);
        } else if (d.metric() instanceof Counter c && value >= 0 && !Double.isInfinite(value)) {
            c.labelValues(v).inc(value);
        } else {
            return;
        }
        if (labels.containsKey("source")) {
            sources.add(labels.get("source"));
        }
    }

    /** {@code a="x",b="y\"z"}: the labels from i (just after the brace), or null when they do not parse. */
    private static Map<String, String> labels(String l, int i) {
        Map<String, String> labels = new HashMap<>();
        while (i < l.length() && l.charAt(i) != '}') {
            int eq = l.indexOf("=\"", i);
            if (eq < 0) {
                return null;
            }
            String key = l.substring(i, eq).strip();
            StringBuilder value = new StringBuilder();
            int j = eq + 2;
            for (; j < l.length() && l.charAt(j) != '"'; j++) {
                char c = l.charAt(j);
                if (c == '\\' && j + 1 < l.length()) {
                    char e = l.charAt(++j);
                    value.append(e == 'n' ? '\n' : e);
                } else {
                    value.append(c);
                }
            }
            if (j >= l.length()) {
                return null;
            }
            labels.put(key, value.toString());
            i = j + 1;
            if (i < l.length() && l.charAt(i) == ',') {
                i++;
            }
        }
        return i < l.length() ? labels : null;
    }

    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(text);
        };
    }
}
