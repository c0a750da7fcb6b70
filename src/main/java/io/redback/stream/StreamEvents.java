package io.redback.stream;

import io.redback.repo.Quantities;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A stream's events in words, the one wording {@code redback stream} and the agent's log share:
 * each {@link StreamEvent} as its name ({@code timeline-started}, {@code stopped}), a sentence for
 * people and its fields, in the order the JSON lines print them. What only one runner of a stream
 * can say (the command's exit code) is that runner's to add.
 */
public final class StreamEvents {
    private StreamEvents() {
    }

    /**
     * An event in words: its name, one sentence (a cluster's topology adds a line per shard) and
     * its fields by name, in order, each a string, a number, a boolean, a list or null.
     */
    public record Words(String event, String message, Map<String, Object> fields) {
    }

    /** The words of an event. */
    public static Words describe(StreamEvent event) {
        Fields f = new Fields();
        String name;
        String text;
        if (event instanceof StreamEvent.TimelineStarted t) {
            name = "timeline-started";
            f.put("timeline", t.base().id().toString()).put("replicationId", t.base().replicationId())
                    .put("offset", t.base().replicationOffset()).put("keys", t.base().totalKeys())
                    .put("previousTimeline", t.previous() == null ? null : t.previous().toString());
            text = "timeline " + t.base().id() + " started: base snapshot of "
                    + Quantities.printKeys(t.base().totalKeys()) + " (" + Quantities.printSize(t.base().rawSize())
                    + "), replication " + t.base().replicationId() + ":" + t.base().replicationOffset()
                    + (t.previous() == null ? "" : "; the source could not continue timeline " + t.previous()
                    + " after offset " + t.previousEnd() + ", so restores cannot cross from one to the other");
        } else if (event instanceof StreamEvent.Continued c) {
            name = "continued";
            f.put("timeline", c.timeline().toString()).put("offset", c.offset())
                    .put("replicationId", c.replicationId()).put("newReplicationId", c.newReplicationId());
            text = "continuing timeline " + c.timeline() + " from offset " + c.offset()
                    + (c.newReplicationId() ? " under the new replication id " + c.replicationId()
                    + " (a failover or restart of the source)" : "");
        } else if (event instanceof StreamEvent.Disconnected d) {
            name = "disconnected";
            f.put("reason", d.reason()).put("offset", d.offset()).put("retryInMs", d.retryIn().toMillis());
            text = "link lost at offset " + d.offset() + ": " + d.reason() + "; retrying in "
                    + d.retryIn().toMillis() + " ms";
        } else if (event instanceof StreamEvent.RepositoryFailing r) {
            name = "repository-failing";
            f.put("reason", r.reason()).put("spoolBytes", r.spoolBytes());
            text = "WARNING: the repository refuses writes (" + r.reason() + "); segments wait in the spool ("
                    + Quantities.printSize(r.spoolBytes()) + ") and are retried";
        } else if (event instanceof StreamEvent.RepositoryBack b) {
            name = "repository-back";
            f.put("spoolBytes", b.spoolBytes());
            text = "the repository accepts writes again; spool draining (" + Quantities.printSize(b.spoolBytes())
                    + " left)";
        } else if (event instanceof StreamEvent.SpoolFilling s) {
            name = "spool-filling";
            f.put("bytes", s.bytes()).put("max", s.max());
            text = "WARNING: the spool holds " + Quantities.printSize(s.bytes()) + " of --max-spool "
                    + Quantities.printSize(s.max())
                    + "; when full, reading from the source pauses and the source may drop the link";
        } else if (event instanceof StreamEvent.SpoolFull s) {
            name = "spool-full";
            f.put("bytes", s.bytes()).put("max", s.max());
            text = "WARNING: the spool is full (" + Quantities.printSize(s.bytes()) + "): reading from the source "
                    + "paused until the repository takes segments again";
        } else if (event instanceof StreamEvent.SpoolFailed s) {
            name = "spool-failed";
            f.put("reason", s.reason());
            text = "ERROR: cannot write the spool (" + s.reason() + "); reconnecting from the last durable offset";
        } else if (event instanceof StreamEvent.BacklogShort b) {
            name = "backlog-short";
            double covers = b.covers().toMillis() / 1000.0;
            f.put("backlogBytes", b.backlogBytes()).put("bytesPerSecond", Math.round(b.bytesPerSecond()))
                    .put("coversSeconds", covers);
            text = String.format(Locale.ROOT, "WARNING: the source's replication backlog (%s) holds only %.1f s of "
                    + "writes at the current rate (%s/s): if redback is stopped or cut off for longer, the source "
                    + "cannot continue the link and a new timeline starts with a full sync; raise it, e.g. "
                    + "CONFIG SET repl-backlog-size %s", Quantities.printSize(b.backlogBytes()), covers,
                    Quantities.printSize(Math.round(b.bytesPerSecond())), suggestedBacklog(b.bytesPerSecond()));
        } else if (event instanceof StreamEvent.SnapshotTaken s) {
            name = "snapshot";
            f.put("snapshot", s.snapshot().id().toString()).put("offset", s.snapshot().replicationOffset());
            text = "snapshot " + s.snapshot().id() + " stored (" + Quantities.printKeys(s.snapshot().totalKeys())
                    + ", offset " + s.snapshot().replicationOffset() + ")";
        } else if (event instanceof StreamEvent.SnapshotFailed s) {
            name = "snapshot-failed";
            f.put("reason", s.reason());
            text = "WARNING: periodic snapshot failed: " + s.reason();
        } else if (event instanceof StreamEvent.ThreadDied d) {
            name = "failed";
            f.put("thread", d.thread()).put("reason", d.reason());
            text = "ERROR: " + d.describe() + "; stopping";
        } else if (event instanceof StreamEvent.Stopped s) {
            name = "stopped";
            f.put("receivedOffset", s.receivedOffset()).put("committedOffset", s.committedOffset())
                    .put("spooledSegments", s.spooledSegments()).put("spoolBytes", s.spoolBytes());
            text = "stopped: received up to offset " + s.receivedOffset() + ", repository holds up to "
                    + s.committedOffset() + (s.spooledSegments() == 0 ? ""
                    : "; " + s.spooledSegments() + " segment(s) (" + Quantities.printSize(s.spoolBytes())
                    + ") wait in the spool for the next start");
        } else {
            throw new IllegalStateException("unknown event " + event);
        }
        return f.words(name, text);
    }

    /** Five minutes of writes at this rate, rounded up to a power of two megabytes (at least 64mb). */
    static String suggestedBacklog(double bytesPerSecond) {
        long mb = 64;
        while (mb * (1L << 20) < bytesPerSecond * 300) {
            mb *= 2;
        }
        return mb + "mb";
    }

    /**
     * Builds the fields of {@link Words} in order (null values kept: a JSON line prints them);
     * public for the cluster stream's events, which word theirs the same way.
     */
    public static final class Fields {
        private final Map<String, Object> fields = new LinkedHashMap<>();

        /** Adds a field after those already added. */
        public Fields put(String name, Object value) {
            fields.put(name, value);
            return this;
        }

        /** Adds all of these fields after those already added. */
        public Fields putAll(Map<String, Object> more) {
            fields.putAll(more);
            return this;
        }

        /** The words of an event with these fields. */
        public Words words(String event, String message) {
            return new Words(event, message, Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
        }
    }
}
