package io.redback.stream;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.redback.repo.SnapshotId;
import io.redback.resp.RespCommand;
import io.redback.resp.RespException;
import io.redback.resp.RespReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * The format of the spool's {@code journal}: the open segment as the group commit makes it
 * durable between segment closes. One JSON line saying where the segment starts (its
 * {@link Head}), then the segment's AOF bytes exactly as {@link OpenSegment} builds them
 * ({@code #TS:} lines and whole commands), appended and fsync'd as they are acknowledged with
 * {@code FACK}. After a crash, {@link #recover} turns the whole commands it holds back into an
 * open segment, so that what was reported durable is spooled before the stream resumes.
 */
final class Journal {
    static final String FILE = "journal";
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Where the journal's segment starts: what its spooled segment will say. */
    record Head(SnapshotId timeline, long startOffset, String replicationId, int selectedDb) {
        static Head of(OpenSegment s) {
            return new Head(s.timeline(), s.startOffset(), s.replicationId(), s.selectedDbAtStart());
        }
    }

    private Journal() {
    }

    /** The head line followed by the segment's first bytes: a new journal's content. */
    static byte[] content(Head head, byte[] bytes) throws IOException {
        byte[] line = JSON.writeValueAsBytes(head);
        byte[] out = Arrays.copyOf(line, line.length + 1 + bytes.length);
        out[line.length] = '\n';
        System.arraycopy(bytes, 0, out, line.length + 1, bytes.length);
        return out;
    }

    /** The head of a journal's content, or empty when its first line is incomplete (a crash while it was created). */
    static Optional<Head> head(byte[] content) throws IOException {
        int nl = indexOf(content, 0, '\n');
        return nl < 0 ? Optional.empty() : Optional.of(JSON.readValue(content, 0, nl, Head.class));
    }

    /**
     * The segment a journal holds: its whole commands with their arrival seconds (the
     * {@code #TS} lines; the index of a recovered segment is per second). A torn tail (a
     * command, or a line, the crash cut short) is left out: it was never reported durable.
     */
    static Optional<OpenSegment> recover(byte[] content) throws IOException {
        Optional<Head> parsed = head(content);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        Head head = parsed.get();
        int from = indexOf(content, 0, '\n') + 1;
        OpenSegment segment = new OpenSegment(head.timeline(), head.startOffset(), head.replicationId(),
                head.selectedDb());
        CommandScanner scanner = new CommandScanner(head.startOffset());
        RespReader reader = new RespReader(new ByteArrayInputStream(content, from, content.length - from), from,
                RespReader.DEFAULT_BUFFER_SIZE, 1024);
        RespCommand command = new RespCommand();
        long arrival = -1;
        try {
            for (int b; (b = reader.peek()) >= 0; ) {
                if (b == '#') {
                    RespReader.Line line = reader.readLine(256);
                    if (!line.terminated()) {
                        break;
                    }
                    arrival = seconds(line) * 1000;
                    continue;
                }
                int start = (int) reader.position();
                reader.read(command);
                int length = (int) (reader.position() - start);
                if (arrival < 0) {
                    break; // OpenSegment writes a #TS line before its first command: not a journal we wrote
                }
                scanner.ensureWritable(length);
                System.arraycopy(content, start, scanner.buffer(), scanner.writeIndex(), length);
                scanner.received(length);
                CommandScanner.Command c = scanner.next();
                if (c == null) {
                    break;
                }
                segment.append(c, arrival);
            }
        } catch (RespException e) {
            // The torn tail: everything before it is whole.
        }
        return Optional.of(segment);
    }

    private static long seconds(RespReader.Line line) throws IOException {
        String text = new String(line.text(), StandardCharsets.US_ASCII).strip();
        if (!text.startsWith("#TS:")) {
            throw new IOException("journal line '" + text + "' is not a #TS line");
        }
        try {
            return Long.parseLong(text.substring(4));
        } catch (NumberFormatException e) {
            throw new IOException("journal line '" + text + "' is not a #TS line");
        }
    }

    private static int indexOf(byte[] b, int from, char c) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
