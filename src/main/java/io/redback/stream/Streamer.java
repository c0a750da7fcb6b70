package io.redback.stream;

import io.redback.backup.Backup;
import io.redback.rdb.RdbException;
import io.redback.redis.RedisUri;
import io.redback.redis.ReplicaOptions;
import io.redback.redis.ReplicaSync;
import io.redback.redis.ReplicationLink;
import io.redback.redis.TransferProgress;
import io.redback.repo.Compression;
import io.redback.repo.Repository;
import io.redback.repo.SnapshotManifest;
import io.redback.repo.StreamStatus;
import io.redback.repo.TimelineManifest;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Continuous log shipping for one source: a replica link that never ends. A full sync becomes
 * a timeline's base snapshot (stored like a backup); the command stream after it is acked every
 * second, cut into segments at least every flush interval and at the segment size, written to
 * the spool (fsync'd) and shipped to the repository in order by a second thread. A broken link
 * is resumed with {@code PSYNC <replid> <offset+1>} from the last durable offset; a source that
 * cannot continue starts a new timeline. {@link #run()} returns after {@link #stop()}, once the
 * open segment is spooled and the spool drained (or the drain timeout passed).
 */
public final class Streamer {
    private static final long FIRST_BACKOFF_MS = 200;
    private static final long MAX_BACKOFF_MS = 30_000;
    /** New bytes are acked this soon, so that WAIT and the source's view of the lag stay current. */
    private static final long ACK_NEW_BYTES_MS = 100;
    /** With nothing new, an ack still goes this often: the source drops replicas silent for repl-timeout. */
    private static final long ACK_EVERY_MS = 1000;
    /** stream.json is rewritten this often while offsets move, and at least every STATUS_QUIET_MS. */
    private static final long STATUS_EVERY_MS = 1000;
    private static final long STATUS_QUIET_MS = 10_000;
    private static final long BACKLOG_SAMPLE_MS = 5000;
    private static final int READ_CHUNK = 64 * 1024;

    /**
     * What a {@code FACK} (the offset {@code WAITAOF} waits for) vouches for: bytes fsync'd in
     * the local spool, or bytes whose segment the repository has committed (they survive the
     * loss of redback's host too).
     */
    public enum DurableAt { SPOOL, REPOSITORY }

    /**
     * What an {@code ACK} (the offset {@code WAIT} waits for) vouches for: bytes received, as a
     * Redis replica acks, or only bytes already fsync'd in the spool, so that a client's
     * {@code WAIT 1} means "durable in redback" (each wait costs about one fsync).
     */
    public enum AckWhen { RECEIVED, SPOOLED }

    /**
     * @param snapshotEvery  take a snapshot this often while streaming, or null for never
     * @param drainFor       how long a stop waits for the spool to reach the repository
     * @param durableAt      what the FACK offset reports
     * @param ackWhen        what the ACK offset reports
     */
    public record Options(String source, Path spool, Duration flushInterval, long segmentSize, long maxSpool,
                          Duration snapshotEvery, Compression compression, Duration drainFor,
                          ReplicaOptions link, DurableAt durableAt, AckWhen ackWhen) {
        /** FACK reports the spool. */
        public Options(String source, Path spool, Duration flushInterval, long segmentSize, long maxSpool,
                       Duration snapshotEvery, Compression compression, Duration drainFor, ReplicaOptions link) {
            this(source, spool, flushInterval, segmentSize, maxSpool, snapshotEvery, compression, drainFor, link,
                    DurableAt.SPOOL);
        }

        /** ACK reports what was received. */
        public Options(String source, Path spool, Duration flushInterval, long segmentSize, long maxSpool,
                       Duration snapshotEvery, Compression compression, Duration drainFor, ReplicaOptions link,
                       DurableAt durableAt) {
            this(source, spool, flushInterval, segmentSize, maxSpool, snapshotEvery, compression, drainFor, link,
                    durableAt, AckWhen.RECEIVED);
        }

        public Options {
            Objects.requireNonNull(durableAt, "durableAt");
            Objects.requireNonNull(ackWhen, "ackWhen");
            Repository.checkSourceName(source);
            Objects.requireNonNull(spool, "spool");
            if (flushInterval.isNegative() || flushInterval.isZero()) {
                throw new IllegalArgumentException("--flush-interval must be positive");
            }
            if (segmentSize < 1024) {
                throw new IllegalArgumentException("--segment-size must be at least 1 KiB");
            }
            if (maxSpool < segmentSize) {
                throw new IllegalArgumentException("--max-spool must be at least --segment-size");
            }
            Objects.requireNonNull(compression, "compression");
            Objects.requireNonNull(drainFor, "drainFor");
            Objects.requireNonNull(link, "link");
        }
    }

    /** Where the link connects next; asked before every connection attempt. */
    private final Target target;
    /** The node the link connects to now (the last answer of target). */
    private volatile RedisUri uri;
    private final Repository repository;
    private final Options options;
    private final Consumer<StreamEvent> events;
    private final Clock clock;
    private final Object lock = new Object();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile boolean stopping;
    private final Object retry = new Object();
    private boolean retryNow; // guarded by retry
    private volatile ReplicationLink link;
    /** The link once its start is handled: acks go there (never with offsets of another history). */
    private volatile ReplicationLink streaming;
    private volatile Runnable beforeFsync = () -> { };
    private GroupCommit durability;
    private volatile long received = -1;
    private volatile Thread runner;
    /** The last backlog warning, carried in stream.json's message. */
    private volatile String backlogWarning;
    /** The first thread that died, or null: a stream never goes on with a part missing. */
    private volatile StreamEvent.ThreadDied death;
    private Spool spool;
    private Shipper shipper;
    private OpenSegment current; // guarded by lock
    private boolean spoolWarned;

    /**
     * Where a stream connects: asked before every connection attempt, so that a stream can follow
     * its source to another node (a Redis Cluster shard's new primary after a failover). A
     * standalone stream always answers the same server. An exception is a failed attempt,
     * reported and retried with backoff like a refused connection.
     */
    @FunctionalInterface
    public interface Target {
        RedisUri next() throws IOException;
    }

    public Streamer(RedisUri uri, Repository repository, Options options, Consumer<StreamEvent> events, Clock clock) {
        this(fixed(Objects.requireNonNull(uri, "uri")), uri, repository, options, events, clock);
    }

    /**
     * A stream that asks target where to connect before each attempt; first is where it starts
     * (named in stream.json until the first connection).
     */
    public Streamer(Target target, RedisUri first, Repository repository, Options options,
                    Consumer<StreamEvent> events, Clock clock) {
        this.target = Objects.requireNonNull(target, "target");
        this.uri = Objects.requireNonNull(first, "first");
        this.repository = Objects.requireNonNull(repository, "repository");
        this.options = Objects.requireNonNull(options, "options");
        this.events = Objects.requireNonNull(events, "events");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private static Target fixed(RedisUri uri) {
        return () -> uri;
    }

    /** Streams until {@link #stop()}; throws only when it cannot start (the spool is unusable). */
    public void run() throws IOException {
        runner = Thread.currentThread();
        try (Spool opened = Spool.open(options.spool())) {
            spool = opened;
            spool.beforeFsync(beforeFsync);
            durability = new GroupCommit(spool, lock, () -> current);
            Spool.State state = spool.state().orElse(null);
            if (state != null && state.source() != null && !state.source().equals(options.source())) {
                throw new IOException("the spool " + options.spool() + " belongs to source " + state.source()
                        + ", not " + options.source() + ": give each source its own --spool");
            }
            if (state == null) {
                // No spool (first run, or a new host): continue the repository's newest timeline if the source can.
                Optional<Spool.State> resume = RepositoryResume.find(repository, options.source());
                if (resume.isPresent()) {
                    spool.saveState(resume.get());
                }
            }
            shipper = new Shipper(repository, spool, options.source(), options.compression(), events,
                    options.durableAt() == DurableAt.REPOSITORY ? this::ackNow : () -> { });
            Thread shipping = daemon("redback-ship", this::shipLoop);
            Thread ticking = daemon("redback-tick", this::tickLoop);
            Thread acking = daemon("redback-ack", this::ackLoop);
            Thread syncing = daemon("redback-sync", this::syncLoop);
            Thread watching = daemon("redback-backlog", this::backlogLoop);
            Thread snapshots = options.snapshotEvery() == null ? null : daemon("redback-snapshots", this::snapshotLoop);
            try {
                linkLoop();
            } catch (Throwable t) {
                died("link", t);
            } finally {
                stopping = true;
                flush();
                ticking.interrupt();
                acking.interrupt();
                syncing.interrupt();
                watching.interrupt();
                if (snapshots != null) {
                    snapshots.interrupt();
                }
                try {
                    spool.awaitEmpty(options.drainFor().toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                shipping.interrupt();
                join(shipping);
                join(ticking);
                join(acking);
                join(syncing);
                join(watching);
                if (snapshots != null) {
                    join(snapshots);
                }
                StreamEvent.ThreadDied dead = death;
                writeStatus(dead == null ? "stopped" : "failed", dead == null ? null : dead.describe());
                events.accept(new StreamEvent.Stopped(received, committedOffset(), spool.segments(), spool.bytes()));
                if (dead != null) {
                    throw new StreamFailedException(dead);
                }
            }
        } finally {
            stopped.countDown();
        }
    }

    /**
     * A thread of the stream ended by a Throwable its loop does not handle (an OutOfMemoryError,
     * a defect): said as an event and in stream.json at once, then the whole stream stops as on
     * {@link #stop()} and {@link #run()} throws {@link StreamFailedException}, so that the
     * process exits non-zero and its supervisor restarts it, rather than streaming on without
     * snapshots, acks or shipping while stream.json says "streaming".
     */
    private void died(String thread, Throwable t) {
        StreamEvent.ThreadDied dead = new StreamEvent.ThreadDied(thread, describe(t));
        synchronized (this) {
            if (death != null) {
                return;
            }
            death = dead;
        }
        if (Thread.currentThread() == runner) {
            stopping = true; // the link thread itself: run() goes on to flush and drain, uninterrupted
        } else {
            stop();
        }
        try {
            events.accept(dead);
        } catch (Throwable ignored) {
            // The printer failing too must not keep the stream from stopping.
        }
        try {
            writeStatus("failed", dead.describe());
        } catch (Throwable ignored) {
            // run() writes it again when it has stopped.
        }
    }

    private static String describe(Throwable t) {
        if (t instanceof OutOfMemoryError) {
            return "out of memory (" + message(t) + "): give the JVM a larger heap (-Xmx), e.g. for commands "
                    + "with arguments as large as the source's proto-max-bulk-len";
        }
        return t.getClass().getSimpleName() + ": " + message(t);
    }

    /** Asks a running stream to stop; {@link #awaitStopped} waits for it. Safe from any thread (a signal handler). */
    public void stop() {
        boolean again = stopping;
        stopping = true;
        ReplicationLink l = link;
        if (l != null) {
            l.close();
        }
        Thread r = runner;
        if (r != null && l == null && !again) {
            // It may be sleeping before a retry. Only the first stop: a second one would find the
            // runner writing the spool on its way out, and an interrupt closes the spool's file.
            r.interrupt();
        }
    }

    /**
     * Ends the wait before the next connection attempt, if the link is waiting: the target has
     * news (a shard's new primary), so trying now beats waiting out the backoff. Safe from any thread.
     */
    public void retryNow() {
        synchronized (retry) {
            retryNow = true;
            retry.notifyAll();
        }
    }

    /** Waits ms before the next attempt, or less after {@link #retryNow()}; a stop interrupts it. */
    private void awaitRetry(long ms) throws InterruptedException {
        long deadline = System.currentTimeMillis() + ms;
        synchronized (retry) {
            long left;
            while (!retryNow && !stopping && (left = deadline - System.currentTimeMillis()) > 0) {
                retry.wait(left);
            }
            retryNow = false;
        }
    }

    public boolean awaitStopped(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The offset after the last whole command received, or -1 before the first link. */
    public long receivedOffset() {
        return received;
    }

    /**
     * The offset up to which the repository holds the stream: the start of the oldest spooled
     * segment, or (with nothing spooled) the spool's durable offset; -1 before any timeline.
     */
    public long committedOffset() {
        Spool sp = spool;
        return sp == null ? -1 : sp.committedOffset();
    }

    /** The offset up to which the spool holds the stream fsync'd (closed segments and the journal), or -1. */
    public long durableOffset() {
        GroupCommit d = durability;
        return d == null ? -1 : d.durable();
    }

    /** What the FACK in each ACK says: the durable offset, or with --durable-at repository the committed one. */
    private long fack() {
        return options.durableAt() == DurableAt.REPOSITORY ? committedOffset() : durableOffset();
    }

    /** What the ACK says of received: all of it, or with --ack-when spooled what the spool holds fsync'd (-1 before). */
    private long ack(long received) {
        return options.ackWhen() == AckWhen.SPOOLED ? Math.min(received, durableOffset()) : received;
    }

    /** A test's slow disk: runs before every fsync of the spool. Set before {@link #run()}. */
    void beforeSpoolFsync(Runnable hook) {
        beforeFsync = hook;
    }

    private void linkLoop() {
        long backoff = FIRST_BACKOFF_MS;
        while (!stopping) {
            Spool.State before = spool.state().orElse(null);
            try (ReplicationLink l = ReplicationLink.open(connectTo(), before == null ? null : before.replicationId(),
                    before == null ? -1 : before.offset(), options.link())) {
                link = l;
                if (stopping) {
                    break;
                }
                Spool.State state = begin(l, before);
                backoff = FIRST_BACKOFF_MS;
                streaming = l;
                receive(l, state);
            } catch (IOException | RdbException | RuntimeException e) {
                if (stopping) {
                    break;
                }
                flush();
                Spool.State now = spool.state().orElse(null);
                events.accept(new StreamEvent.Disconnected(message(e), now == null ? -1 : now.offset(),
                        Duration.ofMillis(backoff)));
                try {
                    awaitRetry(backoff);
                } catch (InterruptedException ie) {
                    if (stopping) {
                        break;
                    }
                }
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            } finally {
                streaming = null;
                link = null;
            }
        }
    }

    /** Asks the target where to connect; the answer is the stream's node until the next attempt. */
    private RedisUri connectTo() throws IOException {
        RedisUri next = Objects.requireNonNull(target.next(), "target");
        uri = next;
        return next;
    }

    /** Handles the answer to PSYNC: stores a new timeline's base, or notes the continuation. */
    private Spool.State begin(ReplicationLink l, Spool.State before) throws IOException, RdbException {
        ReplicationLink.Start start = l.start();
        if (start instanceof ReplicationLink.FullResync full) {
            SnapshotManifest base = storeBase(l, full);
            TimelineManifest timeline = new TimelineManifest(TimelineManifest.FORMAT_VERSION, base.id(),
                    options.source(), uri.address(), full.replicationId(), full.offset(), base.startedAt());
            repository.commit(timeline);
            Spool.State state = new Spool.State(options.source(), base.id(), full.replicationId(), full.offset(), -1);
            spool.saveState(state);
            durability.reset(full.offset());
            received = full.offset();
            events.accept(new StreamEvent.TimelineStarted(base, before == null ? null : before.timeline(),
                    before == null ? -1 : before.offset()));
            return state;
        }
        ReplicationLink.Continue cont = (ReplicationLink.Continue) start;
        if (before == null) {
            throw new IOException(uri.address() + " answered +CONTINUE to PSYNC ? -1: not a Redis server?");
        }
        boolean newId = !cont.replicationId().equals(before.replicationId());
        Spool.State state = new Spool.State(options.source(), before.timeline(), cont.replicationId(), before.offset(),
                before.selectedDb());
        if (newId) {
            spool.saveState(state);
        }
        durability.reset(state.offset());
        received = state.offset();
        events.accept(new StreamEvent.Continued(state.timeline(), state.offset(), cont.replicationId(), newId));
        return state;
    }

    private SnapshotManifest storeBase(ReplicationLink l, ReplicationLink.FullResync full)
            throws IOException, RdbException {
        return Backup.take(repository, options.source(), uri, new Backup.StreamBase(l, full, clock.instant()),
                options.compression(), TransferProgress.NONE, clock).manifest();
    }

    /** Reads the command stream into segments until the link breaks or the stream stops. */
    private void receive(ReplicationLink l, Spool.State state) throws IOException {
        CommandScanner scanner = new CommandScanner(state.offset(), l.maxBulkLength());
        synchronized (lock) {
            current = new OpenSegment(state.timeline(), state.offset(), state.replicationId(), state.selectedDb());
        }
        InputStream in = l.commands();
        while (!stopping) {
            waitForSpoolRoom();
            scanner.ensureWritable(READ_CHUNK);
            int n = in.read(scanner.buffer(), scanner.writeIndex(), scanner.writable());
            if (n < 0) {
                throw new EOFException(uri.address() + " closed the replication link");
            }
            scanner.received(n);
            boolean getack = false;
            synchronized (lock) {
                // Stamped under the lock: a status taken under it either sees these commands as
                // received or was taken no later than their arrival (see StreamStatus.caughtUpUntil).
                long now = clock.millis();
                CommandScanner.Command c;
                while ((c = scanner.next()) != null) {
                    if (current == null) {
                        throw new IOException("the spool could not be written; resuming from the last durable offset");
                    }
                    if (c.nameIs("REPLCONF") && c.firstArgIs("GETACK")) {
                        getack = true;
                    }
                    current.append(c, now);
                    if (current.size() >= options.segmentSize()) {
                        closeCurrent();
                    }
                }
                received = scanner.offset();
            }
            if (getack) {
                // Answered at once with both offsets; if a client waits for durability, the group
                // commit fsyncs what is pending and acks again right after.
                long r = received;
                long f = fack();
                long a = ack(r);
                if (a >= 0) {
                    l.ack(a, f);
                }
                if (f < r || a < r) {
                    durability.request();
                }
            }
        }
    }

    private void waitForSpoolRoom() {
        long max = options.maxSpool();
        long bytes = spool.bytes();
        if (bytes >= max * 8 / 10 && !spoolWarned) {
            spoolWarned = true;
            events.accept(new StreamEvent.SpoolFilling(bytes, max));
        } else if (bytes < max / 2) {
            spoolWarned = false;
        }
        if (bytes < max) {
            return;
        }
        events.accept(new StreamEvent.SpoolFull(bytes, max));
        while (!stopping && spool.bytes() >= max) {
            try {
                Thread.sleep(100); // the source buffers for us meanwhile; acks keep the link alive
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Spools the open segment if it holds anything. */
    private void flush() {
        synchronized (lock) {
            if (current != null && !current.isEmpty()) {
                closeCurrent();
            }
        }
    }

    private void closeCurrent() {
        OpenSegment closing = current;
        current = new OpenSegment(closing.timeline(), closing.endOffset(), closing.replicationId(),
                closing.selectedDb());
        try {
            spool.add(closing.close(), closing.selectedDb(), options.source());
            durability.spooled(closing.endOffset());
        } catch (IOException | RuntimeException e) {
            // Not durable, so not kept: the link is dropped and PSYNC asks again from the spool's offset.
            current = null;
            events.accept(new StreamEvent.SpoolFailed(spool.dir() + ": " + message(e)));
            ReplicationLink l = link;
            if (l != null) {
                l.close();
            }
        }
    }

    private void shipLoop() {
        long lastStatus = 0;
        long lastCommitted = Long.MIN_VALUE;
        while (true) {
            try {
                shipper.shipSome(200);
                long now = System.currentTimeMillis();
                long committed = committedOffset();
                long since = now - lastStatus;
                if (since >= STATUS_QUIET_MS || (since >= STATUS_EVERY_MS && committed != lastCommitted)) {
                    lastStatus = now;
                    lastCommitted = committed;
                    StreamEvent.ThreadDied dead = death;
                    writeStatus(dead != null ? "failed" : link == null ? "connecting" : "streaming",
                            dead != null ? dead.describe() : backlogWarning);
                }
            } catch (InterruptedException e) {
                return;
            }
            if (stopping && spool.segments() == 0) {
                return;
            }
        }
    }

    /** Spools the open segment every --flush-interval (the fsync can take a while, so acks have their own thread). */
    private void tickLoop() {
        long flushMs = options.flushInterval().toMillis();
        while (!stopping) {
            try {
                Thread.sleep(flushMs);
            } catch (InterruptedException e) {
                return;
            }
            flush();
        }
    }

    /**
     * Acks what was received: soon after new bytes (WAIT on the source returns promptly and its
     * lag stays under a second), and once a second regardless, like a Redis replica. An ack
     * says received, not durable (the spool's fsync follows within --flush-interval), unless
     * --ack-when spooled makes it say fsync'd.
     */
    private void ackLoop() {
        long lastAck = 0;
        long acked = -1;
        long facked = -1;
        while (!stopping) {
            try {
                Thread.sleep(ACK_NEW_BYTES_MS);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.currentTimeMillis();
            long r = ack(received);
            long f = fack();
            ReplicationLink l = streaming;
            if (l != null && r >= 0 && (r != acked || f != facked || now - lastAck >= ACK_EVERY_MS)) {
                try {
                    l.ack(r, f);
                    lastAck = now;
                    acked = r;
                    facked = f;
                } catch (IOException e) {
                    // The reader sees the broken link too and reconnects.
                }
            }
        }
    }

    /** Acks now, after the durable (or committed) offset moved, so that a waiting WAITAOF returns. */
    private void ackNow() {
        ReplicationLink l = streaming;
        if (l != null) {
            try {
                long a = ack(received);
                if (a >= 0) {
                    l.ack(a, fack());
                }
            } catch (IOException e) {
                // The reader sees the broken link too and reconnects.
            }
        }
    }

    /**
     * The group commit: when a client waits (a GETACK arrived) and received bytes are not
     * durable yet, fsyncs them to the spool's journal and acks right after. With --durable-at
     * repository, closes the open segment for the shipper instead, but only once the previous
     * one is committed: writes that arrive during a PUT go into the next segment together.
     */
    private void syncLoop() {
        while (!stopping) {
            try {
                if (!durability.awaitRequest(ACK_NEW_BYTES_MS)) {
                    continue;
                }
                if (options.durableAt() == DurableAt.REPOSITORY) {
                    while (!stopping && !spool.awaitEmpty(ACK_NEW_BYTES_MS)) {
                        // The shipper is busy; what arrives meanwhile goes into the next segment.
                    }
                    flush();
                } else {
                    durability.sync();
                    ackNow();
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                // Not durable, so not acknowledged: as when closing a segment fails, the link is
                // dropped and PSYNC asks again from the spool's offset.
                events.accept(new StreamEvent.SpoolFailed(spool.dir() + ": " + message(e)));
                ReplicationLink l = link;
                if (l != null) {
                    l.close();
                }
            }
        }
    }

    /** Warns (and says so in stream.json) when the source's backlog would not bridge a short outage. */
    private void backlogLoop() {
        RedisUri watched = uri;
        BacklogWatch watch = new BacklogWatch(watched, clock::millis);
        while (!stopping) {
            try {
                Thread.sleep(BACKLOG_SAMPLE_MS);
            } catch (InterruptedException e) {
                return;
            }
            if (!watched.equals(uri)) {
                watched = uri; // the stream follows another node now: its backlog is the one that matters
                watch = new BacklogWatch(watched, clock::millis);
            }
            watch.sample(received).ifPresent(warning -> {
                backlogWarning = "the source's repl-backlog-size (" + warning.backlogBytes() + " bytes) holds "
                        + warning.covers().toMillis() / 1000.0 + " s of writes at the current rate: a longer outage "
                        + "starts a new timeline";
                events.accept(warning);
            });
        }
    }

    private void snapshotLoop() {
        long every = options.snapshotEvery().toMillis();
        while (!stopping) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            if (stopping) {
                return;
            }
            try {
                SnapshotManifest m = Backup.take(repository, options.source(), uri,
                        new Backup.FullSync(ReplicaSync.start(uri, options.link().withProgress(TransferProgress.NONE))),
                        options.compression(), TransferProgress.NONE, clock).manifest();
                events.accept(new StreamEvent.SnapshotTaken(m));
            } catch (IOException | RdbException | RuntimeException e) {
                events.accept(new StreamEvent.SnapshotFailed(message(e)));
            }
        }
    }

    private void writeStatus(String state, String message) {
        Spool.State s = spool.state().orElse(null);
        long now;
        long receivedNow;
        long oldest = spool.oldestArrivalMillis();
        long unsynced = -1;
        synchronized (lock) {
            now = clock.millis();
            receivedNow = received;
            if (oldest < 0 && current != null && !current.isEmpty()) {
                oldest = current.firstArrivalMillis();
            }
            if (current != null) {
                unsynced = current.unsyncedSinceMillis();
            }
        }
        long durable = durableOffset();
        long durableLag = receivedNow >= 0 && durable >= 0 ? Math.max(0, receivedNow - durable) : 0;
        // Read after received: committed only grows, so committed == received means nothing that
        // had arrived by `now` is missing from the repository.
        long committed = committedOffset();
        long lagBytes = receivedNow >= 0 && committed >= 0 ? Math.max(0, receivedNow - committed) : 0;
        try {
            repository.write(new StreamStatus(StreamStatus.FORMAT_VERSION, options.source(), uri.address(), state,
                    Instant.ofEpochMilli(now), s == null ? null : s.timeline(), s == null ? null : s.replicationId(),
                    receivedNow, committed, spool.bytes(), lagBytes,
                    oldest < 0 ? 0.0 : (now - oldest) / 1000.0, message, durable, durableLag,
                    durableLag == 0 || unsynced < 0 ? 0.0 : Math.max(0, now - unsynced) / 1000.0,
                    options.durableAt().name().toLowerCase(java.util.Locale.ROOT)));
        } catch (IOException | RuntimeException e) {
            // The shipper reports repository trouble; a missed status is only a stale one.
        }
    }

    /** A thread whose death, by whatever Throwable, stops the stream (see {@link #died}). */
    private Thread daemon(String name, Runnable body) {
        String part = name.substring(name.indexOf('-') + 1);
        Thread t = new Thread(() -> {
            try {
                body.run();
            } catch (Throwable e) {
                died(part, e);
            }
        }, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
