package io.redback.stream;

import io.redback.repo.SegmentManifest.IndexEntry;
import io.redback.repo.SnapshotId;
import java.time.Instant;
import java.util.List;

/**
 * A closed segment: what its repository manifest will say, and its AOF bytes. It lives in the
 * spool from the moment it is closed until its manifest is committed in the repository.
 */
record SpooledSegment(SnapshotId timeline, long startOffset, long endOffset, String replicationId, int selectedDb,
                      Instant firstArrival, Instant lastArrival, long commands, List<IndexEntry> index, byte[] data) {

    long streamBytes() {
        return endOffset - startOffset;
    }

    @Override
    public String toString() {
        return "segment " + startOffset + ".." + endOffset + " of timeline " + timeline + " (" + commands
                + " commands, " + data.length + " bytes)";
    }
}
