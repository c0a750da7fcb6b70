package io.redback.stream;

import io.redback.log.Damage;
import io.redback.log.LogCursor;
import io.redback.log.SegmentReader;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
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
        // The manifest's db as it is (-1: none known), for a segment that selects none.
        LogCursor cursor = new LogCursor(segment.selectedDb(), -1, -1);
        try (VerifiedObject object = VerifiedObject.open(repository.storage(), VerifiedObject.Expected.of(segment))) {
            SegmentReader reader = new SegmentReader(object.raw(), segment);
            for (SegmentReader.Event e; (e = reader.next()) != SegmentReader.Event.END; ) {
                if (e == SegmentReader.Event.COMMAND) {
                    cursor.command(reader.command(), reader.start());
                }
            }
            String problem = object.problem();
            if (problem != null) {
                throw new IOException(problem);
            }
        } catch (Damage e) {
            throw new IOException(e.getMessage() + "; cannot tell where the stream stood (move the timeline aside "
                    + "to start a new one)", e);
        }
        return cursor.db();
    }
}
