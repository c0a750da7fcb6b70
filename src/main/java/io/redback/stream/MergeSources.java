package io.redback.stream;

import io.redback.bytes.BulkInputStream;
import io.redback.repo.SegmentManifest;
import io.redback.storage.Storage;
import io.redback.repo.VerifiedObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;

/**
 * The raw AOF bytes of a run of segments, one after the other, each read through
 * {@link VerifiedObject}: at the end of each segment its sizes and SHA-256s are compared with
 * its manifest before the next one is opened, and damage ends the stream with an exception (so
 * the put reading it stores nothing) and is kept in {@link #damage} for the report. Only one
 * segment is open at a time.
 */
final class MergeSources extends BulkInputStream {
    private final Storage storage;
    private final List<SegmentManifest> run;
    private int next;
    private VerifiedObject current;
    private SegmentManifest reading;
    /** What is wrong with the segment that ended the stream, and what to do; null while all is well. */
    String damage;

    MergeSources(Storage storage, List<SegmentManifest> run) {
        this.storage = storage;
        this.run = List.copyOf(run);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (damage != null) {
                throw new IOException(damage);
            }
            if (current == null) {
                if (next == run.size()) {
                    return -1;
                }
                open(run.get(next++));
                continue;
            }
            int n = current.raw().read(b, off, len);
            if (n > 0) {
                return n;
            }
            if (n < 0) {
                String problem = current.problem();
                closeCurrent();
                if (problem != null) {
                    damage = damaged(problem);
                }
            }
        }
    }

    private void open(SegmentManifest s) throws IOException {
        reading = s;
        try {
            current = VerifiedObject.open(storage, VerifiedObject.Expected.of(s));
        } catch (NoSuchFileException e) {
            damage = damaged(s.object() + " is missing, its manifest names it");
        }
    }

    private String damaged(String problem) {
        SegmentManifest first = run.get(0);
        SegmentManifest last = run.get(run.size() - 1);
        return "segment " + reading.startOffset() + ".." + reading.endOffset() + " is damaged: " + problem
                + "; segments " + first.startOffset() + ".." + last.endOffset() + " stay as they were, unmerged "
                + "(`redback check --repo --read-data` lists every damaged object)";
    }

    private void closeCurrent() throws IOException {
        VerifiedObject c = current;
        current = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public void close() throws IOException {
        closeCurrent();
    }
}
