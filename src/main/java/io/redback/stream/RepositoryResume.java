package io.redback.stream;

import com.github.luben.zstd.Zstd;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Optional;

/**
 * Where a stream whose spool is gone (a new host, a wiped disk) picks up: the end of the newest
 * timeline's last segment in the repository, with the replication id of that segment and the
 * database selected at its end (found by reading the segment), so that a {@code PSYNC} can still
 * continue the timeline when the source's backlog reaches back that far.
 */
final class RepositoryResume {
    private RepositoryResume() {
    }

    static Optional<Spool.State> find(Repository repository, String source) throws IOException {
        List<Timeline> timelines = repository.timelines().of(source);
        if (timelines.isEmpty()) {
            return Optional.empty();
        }
        Timeline t = timelines.get(timelines.size() - 1);
        if (t.segments().isEmpty()) {
            return Optional.of(new Spool.State(source, t.id(), t.manifest().replicationId(),
                    t.manifest().startOffset(), -1));
        }
        SegmentManifest last = t.segments().get(t.segments().size() - 1);
        return Optional.of(new Spool.State(source, t.id(), last.replicationId(), last.endOffset(),
                selectedDbAtEnd(repository, last)));
    }

    private static int selectedDbAtEnd(Repository repository, SegmentManifest segment) throws IOException {
        byte[] stored;
        try (InputStream in = repository.storage().get(segment.object())) {
            stored = in.readAllBytes();
        }
        byte[] aof = segment.compression().equals(Compression.NONE) ? stored
                : Zstd.decompress(stored, Math.toIntExact(segment.rawSize()));
        if (!Shipper.sha256(aof).equals(segment.sha256Raw())) {
            throw new IOException(segment.object() + " does not match its manifest's sha256Raw: the segment is damaged; "
                    + "cannot tell where the stream stood (move the timeline aside to start a new one)");
        }
        int db = segment.selectedDb();
        long offset = segment.startOffset();
        int p = 0;
        try {
            while (p < aof.length) {
                if (aof[p] == '#') { // a #TS annotation between commands: not stream bytes
                    while (aof[p] != '\n') {
                        p++;
                    }
                    p++;
                    continue;
                }
                int start = p;
                int[] at = {p};
                long args = header(aof, at, '*');
                String name = null;
                int firstArg = -1;
                for (long i = 0; i < args; i++) {
                    int len = (int) header(aof, at, '$');
                    if (i == 0) {
                        name = new String(aof, at[0], len, java.nio.charset.StandardCharsets.US_ASCII);
                    } else if (i == 1 && "SELECT".equalsIgnoreCase(name)) {
                        firstArg = Integer.parseInt(new String(aof, at[0], len, java.nio.charset.StandardCharsets.US_ASCII));
                    }
                    at[0] += len + 2;
                }
                if (firstArg >= 0) {
                    db = firstArg;
                }
                p = at[0];
                offset += p - start;
            }
        } catch (RuntimeException e) {
            throw new IOException(segment.object() + " is not a segment redback can read at byte " + p + ": " + e, e);
        }
        if (offset != segment.endOffset()) {
            throw new IOException(segment.object() + " holds commands up to offset " + offset + ", its manifest "
                    + "says " + segment.endOffset() + ": the segment is damaged");
        }
        return db;
    }

    /** Reads {@code <type><digits>\r\n} at at[0] and moves past it. */
    private static long header(byte[] b, int[] at, char type) {
        if (b[at[0]] != type) {
            throw new IllegalStateException("expected '" + type + "'");
        }
        int p = at[0] + 1;
        long v = 0;
        while (b[p] != '\r') {
            v = v * 10 + (b[p++] - '0');
        }
        at[0] = p + 2;
        return v;
    }
}
