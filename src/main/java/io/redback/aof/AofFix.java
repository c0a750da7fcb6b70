package io.redback.aof;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Repairs an AOF the one way that is safe: truncating the last file Redis loads back to the end
 * of its last complete command outside an open MULTI ({@link AofCut}), which is what Redis's
 * {@code aof-load-truncated} does on its own for a truncated tail. Before touching the file it
 * writes a copy of it beside it ({@code <name>.<UTC time>.orig}, never overwriting one); after
 * truncating it fsyncs the file and its directory. A damaged (not merely truncated) file is cut
 * only when forced; a file that is not the last, an RDB, a manifest or a missing file never.
 */
public final class AofFix {
    private static final DateTimeFormatter STAMP =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private AofFix() {
    }

    /** What a fix did. */
    public record Result(Path file, Path backup, long oldSize, long newSize, long droppedCommands,
                         boolean droppedIncomplete, Long droppedFromTime, Long droppedToTime) {
        public long droppedBytes() {
            return oldSize - newSize;
        }
    }

    /** The fix was not made; the message says why and what to do instead. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Applies the cut the report proposes.
     *
     * @param force also cut a damaged file (from its first bad byte), not only a truncated tail
     * @param now   the time stamped into the backup's name
     * @throws Refused if the report is valid, or the problem cannot or may not be fixed this way
     */
    public static Result apply(AofCheckReport report, boolean force, Instant now) throws IOException, Refused {
        if (report.verdict() == AofVerdict.VALID) {
            throw new Refused("nothing to fix: the AOF is valid");
        }
        AofProblem error = report.error();
        if (report.verdict() == AofVerdict.UNSUPPORTED) {
            throw new Refused("not fixed: " + error.message() + ". " + error.advice());
        }
        AofCut cut = report.cut();
        if (cut == null) {
            throw new Refused("not fixed: " + error.message() + ". " + (error.advice() == null ? "" : error.advice()));
        }
        if (!cut.allowed()) {
            throw new Refused("not fixed: " + cut.refusal() + ".");
        }
        if (cut.needsForce() && !force) {
            throw new Refused("not fixed: " + cut.file() + " is damaged, not merely truncated. Truncating it at byte "
                    + cut.truncateTo() + " drops " + cut.droppedBytes()
                    + " byte(s), including whatever valid commands follow the damage. Redis would refuse to load "
                    + "it; run again with --fix --force to cut it, or restore the file from a backup.");
        }
        Path file = cut.path();
        long size = Files.size(file);
        if (size != cut.size()) {
            throw new Refused("not fixed: " + file + " is " + size + " bytes now but was " + cut.size()
                    + " when checked; is Redis still writing it? Stop Redis and check again.");
        }
        Path backup = keepOriginal(file, now);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(cut.truncateTo());
            ch.force(true);
        }
        fsync(file.toAbsolutePath().getParent(), true);
        return new Result(file, backup, size, Files.size(file), cut.droppedCommands(), cut.droppedIncomplete(),
                cut.droppedFromTime(), cut.droppedToTime());
    }

    /**
     * Copies file to {@code <name>.<UTC time>.orig} beside it (never over an existing one) and
     * forces the copy to disk: what every repair does before it changes a file.
     *
     * @return the copy
     * @throws Refused if a copy of that name exists already
     */
    public static Path keepOriginal(Path file, Instant now) throws IOException, Refused {
        long size = Files.size(file);
        Path backup = file.resolveSibling(file.getFileName() + "." + STAMP.format(now) + ".orig");
        try {
            Files.copy(file, backup);
        } catch (FileAlreadyExistsException e) {
            throw new Refused("not fixed: the backup " + backup + " already exists; move it away and try again");
        }
        fsync(backup, false);
        if (Files.size(backup) != size) {
            throw new IOException("the backup " + backup + " is " + Files.size(backup) + " bytes, expected " + size
                    + "; " + file + " was not changed");
        }
        fsync(backup.toAbsolutePath().getParent(), true);
        return backup;
    }

    /** Forces a file (or, on Linux, a directory's entries) to disk. */
    public static void fsync(Path path, boolean directory) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            if (!directory) {
                throw e;
            }
            // Some platforms cannot open a directory for fsync; the file itself was synced.
        }
    }
}
