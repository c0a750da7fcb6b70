package io.redback.stream;

import io.redback.repo.Compression;
import io.redback.repo.Repository;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Moves spooled segments into the repository, oldest first and one at a time, so segments are
 * committed in stream order: data object, then manifest, then removal from the spool. When the
 * repository fails, the segment stays spooled and the same segment is tried again with backoff;
 * the stream keeps receiving meanwhile and the spool grows.
 */
final class Shipper {
    private static final long FIRST_BACKOFF_MS = 500;
    private static final long MAX_BACKOFF_MS = 30_000;

    private final Repository repository;
    private final Spool spool;
    private final String source;
    private final SegmentWriter writer;
    private final Consumer<StreamEvent> events;
    private final Runnable onCommit;
    private volatile long committedOffset = -1;
    private volatile long committedSegments;
    private long backoff = FIRST_BACKOFF_MS;
    private boolean failing;

    /** @param onCommit runs after each segment is committed (and out of the spool) */
    Shipper(Repository repository, Spool spool, String source, Compression compression, Consumer<StreamEvent> events,
            Runnable onCommit) {
        this.onCommit = onCommit;
        this.repository = repository;
        this.spool = spool;
        this.source = source;
        this.writer = new SegmentWriter(repository, compression);
        this.events = events;
    }

    /**
     * Ships what is spooled, waiting up to waitMs for something to arrive. Returns false when
     * the repository failed (after waiting out the backoff, unless interrupted).
     */
    boolean shipSome(long waitMs) throws InterruptedException {
        Optional<SpooledSegment> next;
        try {
            next = spool.oldest(waitMs);
            while (next.isPresent()) {
                ship(next.get());
                spool.remove(next.get());
                committedOffset = next.get().endOffset();
                committedSegments++;
                onCommit.run();
                if (failing) {
                    failing = false;
                    events.accept(new StreamEvent.RepositoryBack(spool.bytes()));
                }
                backoff = FIRST_BACKOFF_MS;
                next = spool.oldest(0);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                failing = true;
                events.accept(new StreamEvent.RepositoryFailing(Streamer.message(e), spool.bytes()));
            }
            Thread.sleep(backoff);
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            return false;
        }
    }

    private void ship(SpooledSegment s) throws IOException {
        writer.write(new SegmentWriter.Header(source, s.timeline(), s.startOffset(), s.endOffset(), s.replicationId(),
                s.selectedDb(), s.firstArrival(), s.lastArrival(), s.commands(), s.index()),
                new ByteArrayInputStream(s.data()));
    }

    /** The end of the last segment committed by this shipper, or -1 before the first. */
    long committedOffset() {
        return committedOffset;
    }

    long committedSegments() {
        return committedSegments;
    }

    boolean failing() {
        return failing;
    }
}
