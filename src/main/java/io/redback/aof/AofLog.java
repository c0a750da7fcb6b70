package io.redback.aof;

import io.redback.log.CutHints;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Lists the commands of an AOF (a single file, a manifest or an appendonlydir, in the order
 * Redis loads them) with where each one is, its database, time and transaction, filtered by
 * {@link LogFilter}: the tool for "someone ran FLUSHALL some time yesterday". Entries are
 * handed to a consumer as they are read, so memory does not grow with the log; a damaged file
 * ends the listing and is reported in the {@link Summary} with what was listed before it.
 */
public final class AofLog {
    /** Arguments kept per entry, and characters per argument, beyond the line shown to people. */
    static final int MAX_ARGS = 8;
    static final int MAX_ARG_CHARS = 200;
    static final int LINE_WIDTH = 100;

    /**
     * How the listing went: what was read, how many commands were read and listed, whether it
     * stopped at the limit, and the problem that ended it early (null if none).
     */
    public record Summary(String source, String layout, List<String> files, long commandsRead, long listed,
                          boolean limitReached, AofException damage) {
    }

    private AofLog() {
    }

    /**
     * Lists the commands of {@code source} that pass {@code filter}.
     *
     * @throws IOException if the source cannot be read at all (missing file, no manifest)
     * @throws AofManifestException if its manifest is one Redis would refuse
     */
    public static Summary scan(Path source, LogFilter filter, Consumer<LogEntry> sink)
            throws IOException, AofManifestException {
        AofSet set = AofSet.open(source);
        LogFilter.Matcher m = filter.matcher();
        CutHints hints = new CutHints();
        List<String> files = new ArrayList<>();
        long read = 0;
        long listed = 0;
        long time = -1;
        for (AofSet.Part part : set.parts()) {
            files.add(part.name());
            AofReader.Options o = AofReader.Options.defaults().withName(part.name()).withInitialTime(time)
                    .withRetainLimit(CutScan.RETAIN_LIMIT);
            try (AofReader r = AofReader.open(part.path(), o)) {
                while (r.next() != AofReader.Event.END) {
                    if (r.event() != AofReader.Event.COMMAND) {
                        continue;
                    }
                    AofCommand c = r.command();
                    read++;
                    String hinted = part.role().cuttable() ? CutHints.hinted(c.resp()) : null;
                    List<String> hint = hinted == null ? null : hints.hint(hinted, c.time(), part.name() + ":" + c.offset());
                    if (!m.matches(c.resp(), c.db(), c.time())) {
                        continue;
                    }
                    sink.accept(entry(part.name(), c, hint));
                    if (++listed == filter.limit()) {
                        return new Summary(String.valueOf(source), set.describe(), files, read, listed, true, null);
                    }
                }
                time = r.time();
            } catch (AofException e) {
                return new Summary(String.valueOf(source), set.describe(), files, read, listed, false, e);
            }
        }
        return new Summary(String.valueOf(source), set.describe(), files, read, listed, false, null);
    }

    private static LogEntry entry(String file, AofCommand c, List<String> hint) {
        return LogEntry.of(file, c.offset(), c.index(), c.db(), c.time(), c.tx(), c.resp(), hint);
    }
}
