package io.redback.drill;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.redback.repo.Quantities;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotId;
import io.redback.storage.Storage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The drill results a repository holds: {@link #record} writes one as
 * {@code sources/<source>/drills/<id>.json}, {@link #latest} reads the newest of a source (what
 * {@code status} and {@code doctor} show and an agent schedules by), and {@link #overdue} says
 * whether a source lacks a drill within a maximum age. A result that cannot be read (not JSON, a
 * format this release does not know, larger than 1 MiB) is passed over for the one before it.
 */
public final class Drills {
    /** How old the newest drill may be before it is overdue, as the commands' {@code --drill-max-age} default says it. */
    public static final String DEFAULT_MAX_AGE_TEXT = "35d";
    /** {@link #DEFAULT_MAX_AGE_TEXT} as a duration. */
    public static final Duration DEFAULT_MAX_AGE = Quantities.duration("--drill-max-age", DEFAULT_MAX_AGE_TEXT);
    private static final int MAX_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Drills() {
    }

    /** Writes result under its source and id (an object written whole, as every document). */
    public static void record(Repository repository, DrillResult result) throws IOException {
        byte[] json = JSON.writeValueAsBytes(result);
        repository.storage().put(repository.drillKey(result.source(), SnapshotId.parse(result.id())),
                new ByteArrayInputStream(json), json.length);
    }

    /** The newest readable drill result of source, if any. */
    public static Optional<DrillResult> latest(Repository repository, String source) throws IOException {
        Storage storage = repository.storage();
        List<Storage.ObjectInfo> all = storage.list(repository.drillsPrefix(source)).stream()
                .filter(o -> o.key().endsWith(".json"))
                .sorted(Comparator.comparing(Storage.ObjectInfo::key).reversed()).toList();
        for (Storage.ObjectInfo o : all) {
            if (o.size() > MAX_BYTES) {
                continue;
            }
            try (InputStream in = storage.get(o.key())) {
                DrillResult r = JSON.readValue(in.readNBytes(MAX_BYTES), DrillResult.class);
                if (r.format() == DrillResult.FORMAT && source.equals(r.source())) {
                    return Optional.of(r);
                }
            } catch (com.fasterxml.jackson.core.JacksonException | java.nio.file.NoSuchFileException ignored) {
                // unreadable, or deleted since the listing: the one before it
            }
        }
        return Optional.empty();
    }

    /**
     * Whether a drill is overdue at now: none recorded (latest is empty), or the newest started
     * longer than maxAge ago, whatever its verdict (a failed one is reported as failed besides).
     */
    public static boolean overdue(Optional<DrillResult> latest, Instant now, Duration maxAge) {
        return latest.map(d -> d.age(now).compareTo(maxAge) > 0).orElse(true);
    }

    /** The result as the JSON document stored (for a command's --json). */
    public static String json(DrillResult result) throws IOException {
        return JSON.writeValueAsString(result);
    }
}
