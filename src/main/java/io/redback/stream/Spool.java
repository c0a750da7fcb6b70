package io.redback.stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.files.NewFile;
import io.redback.repo.SegmentManifest.IndexEntry;
import io.redback.repo.SnapshotId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The local, fsync'd queue between the replication link and the repository. A closed segment is
 * written here ({@code <seq>.aof}, then its description {@code <seq>.json}, each fsync'd and
 * renamed into place) before anything else happens to it, and removed only after its manifest is
 * committed in the repository; {@code state.json} says where the stream stands (timeline,
 * replication id, offset, selected db) so that a restarted stream resumes with
 * {@code PSYNC <replid> <offset+1>}. A lock file keeps two streams out of one spool. Between
 * segment closes, the group commit makes the open segment durable in {@code journal} (see
 * {@link Journal}); opening the spool after a crash spools what the journal holds. The folder
 * is created 0700 and every file 0600, as in a repository: a spool holds every write's values.
 */
final class Spool implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Where the stream stands: the next PSYNC continues after offset. */
    record State(String source, SnapshotId timeline, String replicationId, long offset, int selectedDb) {
    }

    /** A spooled segment's description on disk (times in epoch ms). */
    record Entry(long sequence, SnapshotId timeline, long startOffset, long endOffset, String replicationId,
                 int selectedDb, int selectedDbAtEnd, long firstArrival, long lastArrival, long commands,
                 List<IndexEntry> index, long size) {
    }

    private final Path dir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final List<Entry> pending = new ArrayList<>();
    private long bytes;
    private long nextSequence = 1;
    private State state;
    private final Object journalLock = new Object();
    private FileChannel journal; // guarded by journalLock
    /** Runs before every fsync: tests slow the disk down with it. */
    private volatile Runnable beforeFsync = () -> { };

    private Spool(Path dir, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens (creating) the spool at dir: takes its lock, drops half-written files, loads what waits. */
    static Spool open(Path dir) throws IOException {
        NewFile.createFolders(dir, NewFile.Mode.PRIVATE);
        FileChannel channel = openLock(dir.resolve("lock"));
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("the spool " + dir + " is in use by another redback stream: stop it, or give this one "
                    + "its own --spool");
        }
        Spool spool = new Spool(dir, channel, lock);
        try {
            spool.load();
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
        return spool;
    }

    private void load() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.contains(".tmp")) {
                Files.deleteIfExists(f); // interrupted write: never part of the spool
            } else if (name.endsWith(".aof")) {
                Path description = dir.resolve(name.replace(".aof", ".json"));
                if (!Files.exists(description)) {
                    Files.deleteIfExists(f); // closed but not described: the link re-sends it after PSYNC
                }
            } else if (name.endsWith(".json") && !name.equals("state.json")) {
                Path data = dir.resolve(name.replace(".json", ".aof"));
                if (!Files.exists(data)) {
                    Files.deleteIfExists(f);
                    continue;
                }
                Entry e = JSON.readValue(f.toFile(), Entry.class);
                if (Files.size(data) != e.size()) {
                    throw new IOException("spool file " + data + " has " + Files.size(data) + " bytes, its description "
                            + "says " + e.size() + ": the spool is damaged; move it aside (its segments are lost)");
                }
                pending.add(e);
                bytes += e.size();
                nextSequence = Math.max(nextSequence, e.sequence() + 1);
            }
        }
        Path statePath = dir.resolve("state.json");
        if (Files.exists(statePath)) {
            state = JSON.readValue(statePath.toFile(), State.class);
        }
        if (!pending.isEmpty()) {
            Entry last = pending.get(pending.size() - 1);
            if (state == null || !state.timeline().equals(last.timeline()) || state.offset() < last.endOffset()) {
                // A crash between a segment and state.json: the segment is the newer word.
                String source = state == null ? null : state.source();
                state = new State(source, last.timeline(), last.replicationId(), last.endOffset(), last.selectedDbAtEnd());
            }
        }
        recoverJournal();
    }

    /**
     * A journal that continues the spool exactly is the open segment of a stream that crashed:
     * its whole commands may have been reported durable (FACK), so they are spooled now. Any
     * other journal is one whose segment was spooled since.
     */
    private void recoverJournal() throws IOException {
        Path file = dir.resolve(Journal.FILE);
        if (!Files.exists(file)) {
            return;
        }
        OpenSegment s = Journal.recover(Files.readAllBytes(file)).orElse(null);
        if (s != null && !s.isEmpty() && state != null && s.timeline().equals(state.timeline())
                && s.startOffset() == state.offset() && s.replicationId().equals(state.replicationId())) {
            add(s.close(), s.selectedDb(), state.source());
        }
        Files.delete(file);
    }

    /** Where the stream stood when it last wrote here, if ever. */
    Optional<State> state() {
        return Optional.ofNullable(state);
    }

    /** Records where the stream stands (after a new timeline started, or a failover changed the replid). */
    synchronized void saveState(State s) throws IOException {
        writeAtomically("state.json", JSON.writeValueAsBytes(s));
        state = s;
    }

    /** Writes a closed segment durably and records the state after it. */
    synchronized void add(SpooledSegment s, int selectedDbAtEnd, String source) throws IOException {
        long seq = nextSequence++;
        String base = String.format("%012d", seq);
        writeAtomically(base + ".aof", s.data());
        Entry e = new Entry(seq, s.timeline(), s.startOffset(), s.endOffset(), s.replicationId(), s.selectedDb(),
                selectedDbAtEnd, s.firstArrival().toEpochMilli(), s.lastArrival().toEpochMilli(), s.commands(),
                s.index(), s.data().length);
        writeAtomically(base + ".json", JSON.writeValueAsBytes(e));
        pending.add(e);
        bytes += e.size();
        State next = new State(source, s.timeline(), s.replicationId(), s.endOffset(), selectedDbAtEnd);
        writeAtomically("state.json", JSON.writeValueAsBytes(next));
        state = next;
        notifyAll();
    }

    /** The oldest segment waiting for the repository, waiting up to timeoutMs for one. */
    synchronized Optional<SpooledSegment> oldest(long timeoutMs) throws IOException, InterruptedException {
        if (pending.isEmpty() && timeoutMs > 0) {
            wait(timeoutMs);
        }
        if (pending.isEmpty()) {
            return Optional.empty();
        }
        Entry e = pending.get(0);
        byte[] data = Files.readAllBytes(dataFile(e));
        return Optional.of(new SpooledSegment(e.timeline(), e.startOffset(), e.endOffset(), e.replicationId(),
                e.selectedDb(), Instant.ofEpochMilli(e.firstArrival()), Instant.ofEpochMilli(e.lastArrival()),
                e.commands(), e.index(), data));
    }

    /** Drops the oldest segment once its manifest is committed. */
    synchronized void remove(SpooledSegment s) throws IOException {
        Entry e = pending.get(0);
        if (e.startOffset() != s.startOffset() || !e.timeline().equals(s.timeline())) {
            throw new IllegalStateException("removing " + s + " but the oldest spooled is " + e);
        }
        Files.deleteIfExists(dir.resolve(String.format("%012d.json", e.sequence())));
        Files.deleteIfExists(dataFile(e));
        pending.remove(0);
        bytes -= e.size();
        notifyAll();
    }

    /**
     * Starts the journal of a new open segment with its first bytes, fsync'd, replacing the
     * previous segment's (which is spooled by then). Only the group commit's thread calls the
     * journal methods; they do not hold the spool's lock, so a slow disk does not block its readers.
     */
    void startJournal(Journal.Head head, byte[] bytes) throws IOException {
        synchronized (journalLock) {
            closeJournal();
            writeAtomically(Journal.FILE, Journal.content(head, bytes));
            journal = FileChannel.open(dir.resolve(Journal.FILE), StandardOpenOption.WRITE, StandardOpenOption.APPEND,
                    LinkOption.NOFOLLOW_LINKS);
        }
    }

    /** Appends to the journal and fsyncs it. */
    void appendJournal(byte[] bytes) throws IOException {
        synchronized (journalLock) {
            if (journal == null) {
                throw new IllegalStateException("no journal started in " + dir);
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                journal.write(b);
            }
            fsync(journal, false);
        }
    }

    private void closeJournal() throws IOException {
        if (journal != null) {
            FileChannel j = journal;
            journal = null;
            j.close();
        }
    }

    /** Sets what runs before every fsync (a test's slow disk). */
    void beforeFsync(Runnable hook) {
        beforeFsync = hook;
    }

    /**
     * The offset up to which the repository holds the stream: the start of the oldest spooled
     * segment, or with none, the end of the last one (the state's offset); -1 before any timeline.
     * One read under the lock, so a segment spooled meanwhile is never counted as committed.
     */
    synchronized long committedOffset() {
        if (!pending.isEmpty()) {
            return pending.get(0).startOffset();
        }
        return state == null ? -1 : state.offset();
    }

    synchronized long bytes() {
        return bytes;
    }

    synchronized int segments() {
        return pending.size();
    }

    /** Arrival of the oldest byte not yet in the repository, or -1. */
    synchronized long oldestArrivalMillis() {
        return pending.isEmpty() ? -1 : pending.get(0).firstArrival();
    }

    /** The committed offset: the start of the oldest waiting segment, or -1 when none waits. */
    synchronized long oldestStartOffset() {
        return pending.isEmpty() ? -1 : pending.get(0).startOffset();
    }

    /** Waits until the spool is empty or the time is up; true when empty. */
    synchronized boolean awaitEmpty(long timeoutMs) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (!pending.isEmpty()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return false;
            }
            wait(left);
        }
        return true;
    }

    Path dir() {
        return dir;
    }

    private Path dataFile(Entry e) {
        return dir.resolve(String.format("%012d.aof", e.sequence()));
    }

    /** A new file under a random name, 0600 (it holds the values of every write), fsynced and renamed. */
    private void writeAtomically(String name, byte[] data) throws IOException {
        beforeFsync.run(); // the test hook of a slow disk, as for every other fsync of the spool
        NewFile.write(dir.resolve(name), data, NewFile.Mode.PRIVATE);
    }

    /** The lock file, 0600, opened without following a link (it is only locked, never written). */
    private static FileChannel openLock(Path lock) throws IOException {
        try {
            return NewFile.create(lock, NewFile.Mode.PRIVATE);
        } catch (FileAlreadyExistsException e) {
            return FileChannel.open(lock, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        }
    }

    private void fsync(FileChannel ch, boolean metadata) throws IOException {
        beforeFsync.run();
        ch.force(metadata);
    }

    @Override
    public void close() throws IOException {
        synchronized (journalLock) {
            closeJournal();
        }
        try {
            lock.release();
        } finally {
            lockChannel.close();
        }
    }
}
