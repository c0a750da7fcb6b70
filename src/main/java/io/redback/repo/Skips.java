package io.redback.repo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The documents a {@link Repository}'s readers skipped, each once (the first problem seen for a
 * key), in the order met; the listener hears of each new one as it is skipped. Thread-safe: a
 * stream's threads share one repository.
 */
final class Skips {
    private final Map<String, SkippedDocument> seen = new LinkedHashMap<>();
    private volatile Consumer<SkippedDocument> listener = d -> { };

    void listener(Consumer<SkippedDocument> listener) {
        this.listener = listener;
    }

    /** Records that key was skipped because of e (whose message names it). */
    void add(String key, RepositoryException e) {
        add(new SkippedDocument(key, e.getMessage()));
    }

    /** Records that key, which its storage refuses as a key (a listing may show any file name), was skipped. */
    void add(String key, IllegalArgumentException e) {
        add(new SkippedDocument(key, key + " cannot be read: " + e.getMessage()));
    }

    private void add(SkippedDocument d) {
        String key = d.key();
        synchronized (this) {
            if (seen.putIfAbsent(key, d) != null) {
                return;
            }
        }
        listener.accept(d);
    }

    synchronized List<SkippedDocument> all() {
        return new ArrayList<>(seen.values());
    }
}
