package io.redback.stream;

import io.redback.backup.StoredStream;
import io.redback.bytes.HashingInputStream;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SegmentManifest;
import io.redback.repo.SegmentManifest.IndexEntry;
import io.redback.repo.SnapshotId;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/**
 * Commits one segment: its raw AOF bytes are pulled through compression by the storage's put
 * (one chunk in memory, whatever the segment's size), counted and hashed on the way in and on
 * the way out, then the manifest that makes the data object visible is written. The shipper
 * commits what it spooled this way and compaction what it merged, so that a merged segment's
 * manifest is the one the stream would have written for the same bytes.
 */
final class SegmentWriter {
    private final Repository repository;
    private final Compression compression;

    SegmentWriter(Repository repository, Compression compression) {
        this.repository = repository;
        this.compression = compression;
    }

    /** What a segment's manifest says besides its sizes and hashes, which come from its bytes. */
    record Header(String source, SnapshotId timeline, long startOffset, long endOffset, String replicationId,
                  int selectedDb, Instant firstArrival, Instant lastArrival, long commands, List<IndexEntry> index) {
    }

    /**
     * Stores raw (read to its end; not closed) as the segment's data object, then commits the
     * manifest. An exception thrown while reading raw abandons the put: nothing is stored.
     */
    SegmentManifest write(Header h, InputStream raw) throws IOException {
        String key = repository.segmentDataKey(h.source(), h.timeline(), h.startOffset(), h.endOffset(), compression);
        HashingInputStream hashed = new HashingInputStream(raw); // the raw bytes, as the compressor pulls them
        String storedSha;
        long storedSize;
        try (StoredStream stored = new StoredStream(hashed, compression)) {
            repository.storage().put(key, stored, -1);
            if (stored.read() >= 0) {
                throw new IOException("the storage returned from put before reading the whole segment " + key);
            }
            storedSize = stored.size();
            storedSha = stored.sha256Hex();
        }
        String rawSha = hashed.sha256Hex();
        SegmentManifest m = new SegmentManifest(SegmentManifest.FORMAT_VERSION, h.source(), h.timeline(),
                h.startOffset(), h.endOffset(), h.replicationId(), h.selectedDb(), h.firstArrival(), h.lastArrival(),
                h.commands(), hashed.count(), storedSize, compression, storedSha != null ? storedSha : rawSha, rawSha,
                h.index(), key);
        repository.commit(m);
        return m;
    }
}
