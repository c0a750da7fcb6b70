package io.redback.stream;

import io.redback.pitr.LogReader;
import io.redback.pitr.RestoreException;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.Timeline;
import io.redback.repo.VerifiedObject;
import io.redback.resp.RespCommand;
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
        int db = segment.selectedDb();
        try (VerifiedObject object = VerifiedObject.open(repository.storage(), VerifiedObject.Expected.of(segment))) {
            LogReader reader = new LogReader(object.raw(), segment);
            for (LogReader.Event e; (e = reader.next()) != LogReader.Event.END; ) {
                RespCommand c = reader.command();
                if (e == LogReader.Event.COMMAND && c.argCount() >= 2 && c.argEqualsIgnoreCase(0, "SELECT")) {
                    long n = c.argLong(1, -1);
                    db = n >= 0 && n <= Integer.MAX_VALUE ? (int) n : db;
                }
            }
            String problem = object.problem();
            if (problem != null) {
                throw new IOException(problem);
            }
        } catch (RestoreException e) {
            throw new IOException(e.getMessage() + "; cannot tell where the stream stood (move the timeline aside "
                    + "to start a new one)", e);
        }
        return db;
    }
}
