package io.redback.repo;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A synthetic timeline committed the way {@code redback stream} commits one, for tests of what
 * reads and prunes the repository's structure rather than its data: a base snapshot and
 * timeline.json, then segments (filler bytes of the right length, stored as is, with truthful
 * manifests) and snapshots at the current offset. Each segment's commands arrive 1 to 10 s after
 * the previous event; each snapshot is taken 1 s after it.
 */
final class TestTimelines {
    private final Repository repo;
    private final String source;
    private final SnapshotManifest base;
    private final String replicationId;
    private final Random random;
    private long offset;
    private Instant time;

    private TestTimelines(Repository repo, String source, Instant start, long startOffset) throws IOException {
        this.repo = repo;
        this.source = source;
        this.random = new Random(start.toEpochMilli());
        byte[] id = new byte[20];
        random.nextBytes(id);
        this.replicationId = java.util.HexFormat.of().formatHex(id);
        this.offset = startOffset;
        this.time = start;
        this.base = commitSnapshot();
        repo.commit(new TimelineManifest(TimelineManifest.FORMAT_VERSION, base.id(), source, "10.0.0.5:6379",
                replicationId, startOffset, start));
    }

    /** A new timeline of source starting at time (its base snapshot's id) and offset. */
    static TestTimelines start(Repository repo, String source, Instant time, long startOffset) throws IOException {
        return new TestTimelines(repo, source, time, startOffset);
    }

    /** Commits the next segment, holding bytes stream bytes. */
    SegmentManifest segment(long bytes) throws IOException {
        byte[] raw = new byte[(int) bytes];
        Arrays.fill(raw, (byte) '*');
        Instant first = time.plusSeconds(1);
        Instant last = time.plusSeconds(10);
        long end = offset + bytes;
        List<SegmentManifest.IndexEntry> index = bytes > 1
                ? List.of(new SegmentManifest.IndexEntry(offset + bytes / 2, first.toEpochMilli()),
                        new SegmentManifest.IndexEntry(end, last.toEpochMilli()))
                : List.of(new SegmentManifest.IndexEntry(end, last.toEpochMilli()));
        String key = repo.segmentDataKey(source, base.id(), offset, end, Compression.NONE);
        SegmentManifest m = new SegmentManifest(SegmentManifest.FORMAT_VERSION, source, base.id(), offset, end,
                replicationId, 0, first, last, 1, raw.length, raw.length, Compression.NONE, TestBytes.sha256(raw),
                TestBytes.sha256(raw), index, key);
        repo.storage().put(key, new ByteArrayInputStream(raw), raw.length);
        repo.commit(m);
        offset = end;
        time = last;
        return m;
    }

    /** Commits a snapshot of the source at the current offset, 1 s after the last event. */
    SnapshotManifest snapshot() throws IOException {
        time = time.plusSeconds(1);
        return commitSnapshot();
    }

    /** Commits a snapshot of the source at offset (say, inside the last segment), 1 s after the last event. */
    SnapshotManifest snapshotAt(long at) throws IOException {
        long now = offset;
        offset = at;
        try {
            return snapshot();
        } finally {
            offset = now;
        }
    }

    private SnapshotManifest commitSnapshot() throws IOException {
        SnapshotId id = SnapshotId.at(time, random);
        byte[] data = TestBytes.utf8("rdb of " + source + " at offset " + offset);
        repo.storage().put(repo.dataKey(source, id, Compression.DEFAULT), new ByteArrayInputStream(data), data.length);
        SnapshotManifest m = TestSnapshots.manifest(source, id, data, replicationId, offset);
        repo.commit(m);
        return m;
    }

    SnapshotManifest base() {
        return base;
    }

    SnapshotId id() {
        return base.id();
    }

    long offset() {
        return offset;
    }

    /** The timeline as the repository reads it now. */
    Timeline read() throws IOException {
        return repo.timelines().find(source, base.id().toString());
    }
}
