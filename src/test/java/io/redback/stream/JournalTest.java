package io.redback.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.redback.repo.SnapshotId;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal a crash leaves behind: its whole commands come back as the open segment they
 * were (offsets, database, arrival seconds), a torn tail is left out, and opening the spool
 * spools them only when the journal continues the spool exactly.
 */
@io.redback.testsupport.Fast
class JournalTest {
    private static final SnapshotId TIMELINE = SnapshotId.at(java.time.Instant.parse("2026-01-02T03:04:05Z"), new java.util.Random(1));
    private static final long START = 1000;

    @TempDir
    Path temp;

    @Test
    void aTornTailIsLeftOutAndTheWholeCommandsComeBack() throws Exception {
        OpenSegment written = segment("SELECT 3", "SET a 1", "SET b 22", "INCR counter");
        byte[] data = written.close().data();
        byte[] content = Journal.content(Journal.Head.of(segment()), data);

        OpenSegment whole = Journal.recover(content).orElseThrow();
        assertThat(whole.close().data()).isEqualTo(data);
        assertThat(whole.endOffset()).isEqualTo(written.endOffset());
        assertThat(whole.selectedDb()).isEqualTo(3);

        // Cut inside the last command: it was never reported durable.
        byte[] torn = Arrays.copyOf(content, content.length - 5);
        OpenSegment recovered = Journal.recover(torn).orElseThrow();
        long lastCommand = resp("INCR counter").length;
        assertThat(recovered.endOffset()).isEqualTo(written.endOffset() - lastCommand);
        assertThat(recovered.close().commands()).isEqualTo(3);

        // A head line the crash cut short: nothing to recover.
        assertThat(Journal.recover(Arrays.copyOf(content, 10))).isEmpty();
    }

    @Test
    void openingTheSpoolSpoolsAJournalThatContinuesIt() throws Exception {
        Path dir = temp.resolve("spool");
        try (Spool spool = Spool.open(dir)) {
            spool.saveState(new Spool.State("src", TIMELINE, "r".repeat(40), START, 0));
            OpenSegment open = segment("SET a 1", "SET b 2");
            spool.startJournal(Journal.Head.of(open), open.bytesFrom(0));
        }
        try (Spool spool = Spool.open(dir)) {
            assertThat(spool.segments()).isEqualTo(1);
            assertThat(spool.state().orElseThrow().offset()).isGreaterThan(START);
            assertThat(Files.exists(dir.resolve(Journal.FILE))).isFalse();
        }
        // A journal older than the spool's offset was spooled already: dropped, not spooled twice.
        try (Spool spool = Spool.open(dir)) {
            OpenSegment stale = segment("SET a 1");
            spool.startJournal(Journal.Head.of(stale), stale.bytesFrom(0));
        }
        try (Spool spool = Spool.open(dir)) {
            assertThat(spool.segments()).isEqualTo(1);
            assertThat(Files.exists(dir.resolve(Journal.FILE))).isFalse();
        }
    }

    /** An open segment of these commands (words separated by spaces), arriving over two seconds. */
    private static OpenSegment segment(String... commands) throws Exception {
        OpenSegment s = new OpenSegment(TIMELINE, START, "r".repeat(40), 0);
        CommandScanner scanner = new CommandScanner(START);
        long arrival = 1_700_000_000_000L;
        for (String c : commands) {
            byte[] b = resp(c);
            scanner.ensureWritable(b.length);
            System.arraycopy(b, 0, scanner.buffer(), scanner.writeIndex(), b.length);
            scanner.received(b.length);
            s.append(scanner.next(), arrival);
            arrival += 700;
        }
        return s;
    }

    private static byte[] resp(String command) {
        String[] words = command.split(" ");
        StringBuilder sb = new StringBuilder("*" + words.length + "\r\n");
        for (String w : words) {
            sb.append('$').append(w.length()).append("\r\n").append(w).append("\r\n");
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }
}
