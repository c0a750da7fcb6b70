package io.redback.restore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A new private temporary folder for the files a restore brings out of the repository before
 * they go elsewhere (the RDB a live restore or an undo reads, a drill's scratch data), removed
 * with everything in it on {@link #close()}: use it in try-with-resources.
 */
public final class WorkFolder implements AutoCloseable {
    private final Path path;

    private WorkFolder(Path path) {
        this.path = path;
    }

    /** A new folder in the system's temp dir, named prefix + random. */
    public static WorkFolder create(String prefix) throws IOException {
        return new WorkFolder(Files.createTempDirectory(prefix));
    }

    public Path path() {
        return path;
    }

    /** Deletes the folder and its files; best effort: a leftover in the temp dir harms nobody. */
    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(path)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // see above
                }
            }
        } catch (IOException | UncheckedIOException ignored) {
            // the folder is gone or unreadable
        }
    }
}
