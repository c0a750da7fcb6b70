package io.redback.aof;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The AOF fixtures written by real server releases (see fixtures/README.md). */
final class Fixtures {
    private Fixtures() {
    }

    static Path root() {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every release's appendonlydir and appendonlydir-rewritten. */
    static List<Path> dirs() {
        try (Stream<Path> releases = Files.list(root())) {
            return releases.flatMap(r -> Stream.of(r.resolve("appendonlydir"), r.resolve("appendonlydir-rewritten")))
                    .filter(Files::isDirectory).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> manifests() {
        return dirs().stream().map(d -> d.resolve("appendonly.aof.manifest")).collect(Collectors.toList());
    }

    /** An old-style AOF with an RDB preamble, from the Redis test suite. */
    static Path preamble() {
        return root().resolve("redis-tests/rdb-preamble.aof");
    }

    /** Where that file's RDB part ends, as redis-check-aof reports it ("[offset 117] Checksum OK"). */
    static final int PREAMBLE_RDB_END = 117;
}
