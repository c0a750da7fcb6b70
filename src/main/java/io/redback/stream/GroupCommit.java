package io.redback.stream;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The durable offset of a stream and the group commit that moves it between segment closes.
 * When a client waits ({@code WAIT}/{@code WAITAOF} make the source send {@code REPLCONF
 * GETACK}) and bytes are not fsync'd yet, {@link #request()} wakes the syncing thread, which
 * appends everything the open segment received since its last sync to the spool's journal and
 * fsyncs once: whatever arrives during an fsync goes into the next one, so a busy source gets
 * one fsync per disk round trip, never one per command. {@link #durable()} only moves after the
 * fsync returned, and is what the stream reports as {@code FACK}.
 */
final class GroupCommit {
    private final Spool spool;
    private final Object segmentLock;
    private final Supplier<OpenSegment> current;
    private final AtomicLong durable = new AtomicLong(-1);
    private final Object syncLock = new Object();
    private boolean requested; // guarded by this
    private OpenSegment journaled; // guarded by syncLock: the segment the journal holds
    private int journaledBytes; // guarded by syncLock

    /**
     * @param segmentLock the lock the open segment is guarded by
     * @param current     the open segment (read under segmentLock), or null
     */
    GroupCommit(Spool spool, Object segmentLock, Supplier<OpenSegment> current) {
        this.spool = spool;
        this.segmentLock = segmentLock;
        this.current = current;
    }

    /** The end of what is fsync'd in the spool (closed segments and the journal), or -1 before a timeline. */
    long durable() {
        return durable.get();
    }

    /** A link started at offset (everything before it is spooled): offsets from another history no longer count. */
    void reset(long offset) {
        synchronized (syncLock) {
            durable.set(offset);
            journaled = null;
        }
    }

    /** A segment up to endOffset was spooled (fsync'd). */
    void spooled(long endOffset) {
        durable.accumulateAndGet(endOffset, Math::max);
    }

    /** Asks for a sync soon: a client waits for what was received. */
    synchronized void request() {
        requested = true;
        notifyAll();
    }

    /** Waits up to timeoutMs for a request; true (and the request taken) if there is one. */
    synchronized boolean awaitRequest(long timeoutMs) throws InterruptedException {
        if (!requested) {
            wait(timeoutMs);
        }
        boolean r = requested;
        requested = false;
        return r;
    }

    /** Appends what the open segment holds beyond the journal and fsyncs; returns the durable offset. */
    long sync() throws IOException {
        synchronized (syncLock) {
            OpenSegment segment;
            byte[] bytes;
            int size;
            long end;
            boolean fresh;
            synchronized (segmentLock) {
                segment = current.get();
                if (segment == null || segment.isEmpty()) {
                    return durable.get();
                }
                fresh = segment != journaled;
                size = segment.size();
                if (!fresh && size == journaledBytes) {
                    return durable.get();
                }
                bytes = segment.bytesFrom(fresh ? 0 : journaledBytes);
                end = segment.endOffset();
                segment.markSynced();
            }
            if (fresh) {
                spool.startJournal(Journal.Head.of(segment), bytes);
            } else {
                spool.appendJournal(bytes);
            }
            journaled = segment;
            journaledBytes = size;
            // A segment closed meanwhile was spooled whole, so end is durable either way.
            return durable.accumulateAndGet(end, Math::max);
        }
    }
}
