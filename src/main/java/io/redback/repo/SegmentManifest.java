package io.redback.repo;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.redback.storage.StorageKeys;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One piece of a timeline's command log, written as {@code <start>-<end>.json} after its data
 * object: the source's replication stream bytes after offset {@code startOffset} up to and
 * including offset {@code endOffset}, stored as an AOF with {@code #TS:} annotations (seconds of
 * arrival) between commands. The {@code index} maps offsets to arrival times in milliseconds:
 * every byte up to {@code offset} had arrived by {@code time}. {@code selectedDb} is the
 * database selected at {@code startOffset} (-1 before the first SELECT of the timeline), so that
 * a restore can start replaying at any segment.
 */
@JsonPropertyOrder({"formatVersion", "source", "timeline", "startOffset", "endOffset", "replicationId", "selectedDb",
        "firstArrival", "lastArrival", "commands", "rawSize", "storedSize", "compression", "sha256Stored",
        "sha256Raw", "index", "object"})
public record SegmentManifest(
        int formatVersion,
        String source,
        SnapshotId timeline,
        long startOffset,
        long endOffset,
        String replicationId,
        int selectedDb,
        Instant firstArrival,
        Instant lastArrival,
        long commands,
        long rawSize,
        long storedSize,
        Compression compression,
        String sha256Stored,
        String sha256Raw,
        List<IndexEntry> index,
        String object) {

    public static final int FORMAT_VERSION = 1;

    /** All stream bytes up to and including {@code offset} had arrived at {@code time} (epoch ms). */
    @JsonFormat(shape = JsonFormat.Shape.ARRAY)
    @JsonPropertyOrder({"offset", "time"})
    public record IndexEntry(long offset, long time) {
        public Instant instant() {
            return Instant.ofEpochMilli(time);
        }
    }

    public SegmentManifest {
        if (formatVersion < 1) {
            throw new IllegalArgumentException("formatVersion must be 1 or more, not " + formatVersion);
        }
        Layout.requireSourceName(source);
        Objects.requireNonNull(timeline, "timeline");
        if (startOffset < 0 || endOffset <= startOffset) {
            throw new IllegalArgumentException("a segment holds offsets after startOffset up to endOffset: "
                    + startOffset + ".." + endOffset + " is empty or negative");
        }
        requireReplicationId(replicationId);
        if (selectedDb < -1) {
            throw new IllegalArgumentException("selectedDb must be -1 (none yet) or a db number, not " + selectedDb);
        }
        Objects.requireNonNull(firstArrival, "firstArrival");
        Objects.requireNonNull(lastArrival, "lastArrival");
        if (lastArrival.isBefore(firstArrival)) {
            throw new IllegalArgumentException("lastArrival " + lastArrival + " is before firstArrival " + firstArrival);
        }
        if (commands < 0 || rawSize < endOffset - startOffset || storedSize < 0) {
            throw new IllegalArgumentException("segment sizes do not add up: rawSize " + rawSize + " for "
                    + (endOffset - startOffset) + " stream bytes, commands " + commands);
        }
        Objects.requireNonNull(compression, "compression");
        SnapshotManifest.requireSha256("sha256Stored", sha256Stored);
        SnapshotManifest.requireSha256("sha256Raw", sha256Raw);
        index = List.copyOf(Objects.requireNonNull(index, "index"));
        long previous = startOffset;
        for (IndexEntry e : index) {
            if (e.offset() <= previous || e.offset() > endOffset) {
                throw new IllegalArgumentException("index entry at offset " + e.offset() + " is out of order or outside "
                        + startOffset + ".." + endOffset);
            }
            previous = e.offset();
        }
        if (index.isEmpty() || index.get(index.size() - 1).offset() != endOffset) {
            throw new IllegalArgumentException("the index must end with the segment's endOffset " + endOffset);
        }
        StorageKeys.requireKey(Objects.requireNonNull(object, "object"));
    }

    /** Stream bytes in the segment (without the #TS annotations). */
    public long streamBytes() {
        return endOffset - startOffset;
    }

    /** When the byte at offset (startOffset &lt; offset &lt;= endOffset) had arrived, per the index. */
    public Instant arrivalOf(long offset) {
        for (IndexEntry e : index) {
            if (e.offset() >= offset) {
                return e.instant();
            }
        }
        return lastArrival;
    }

    static void requireReplicationId(String id) {
        if (id == null || id.length() != 40 || !id.chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException("replicationId must be 40 hex digits, not '" + id + "'");
        }
    }
}
