package io.redback.storage;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.ServiceLoader;
import java.util.regex.Pattern;

/** The registered backends, the one for plain paths first, then by prefix (so messages are stable). */
final class Backends {
    static final Pattern SCHEME = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");
    static final List<StorageFactory> ALL = load();

    private Backends() {
    }

    private static List<StorageFactory> load() {
        List<StorageFactory> found = new ArrayList<>();
        ServiceLoader.load(StorageFactory.class, StorageFactory.class.getClassLoader()).forEach(found::add);
        found.sort(Comparator.comparing((StorageFactory f) -> !f.takesPaths()).thenComparing(StorageFactory::prefix));
        return List.copyOf(found);
    }

    /** "file:///absolute/path or s3://bucket/prefix". */
    static String examples(List<StorageFactory> backends) {
        List<String> e = backends.stream().map(StorageFactory::example).toList();
        if (e.size() <= 1) {
            return String.join("", e);
        }
        return String.join(", ", e.subList(0, e.size() - 1)) + " or " + e.get(e.size() - 1);
    }
}
