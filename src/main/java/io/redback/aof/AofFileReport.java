package io.redback.aof;

import io.redback.rdb.RdbSummary;
import java.util.List;
import java.util.Map;

/**
 * What the check of one file found: its role in the set, what it holds, its own verdict (a
 * truncated file that is not the last of its set is {@link AofVerdict#DAMAGED}, as Redis
 * refuses it), and its counts: commands, annotations, MULTI/EXEC blocks, commands per database
 * and per name (most frequent first), the first and last {@code #TS} (null if none), the RDB
 * preamble's summary (null if none). On a problem, the counts cover what came before it.
 */
public record AofFileReport(
        String name,
        String path,
        Role role,
        Content content,
        long size,
        AofVerdict verdict,
        long commands,
        long annotations,
        long transactions,
        Map<Integer, Long> commandsPerDb,
        Map<String, Long> commandsByName,
        Long firstTime,
        Long lastTime,
        RdbSummary rdb,
        long commandsStart,
        AofProblem error,
        AofCut cut,
        List<String> warnings) {

    /** The file's place in its set. */
    public enum Role {
        /** A file checked on its own. */
        SINGLE("file"),
        BASE("base"),
        INCR("incr");

        private final String label;

        Role(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** What the file holds. */
    public enum Content {
        /** Commands (RESP). */
        COMMANDS("commands"),
        /** Only an RDB. */
        RDB("rdb"),
        /** An RDB followed by commands. */
        RDB_AND_COMMANDS("rdb+commands"),
        /** Nothing: zero bytes. */
        EMPTY("empty"),
        /** Listed but not there. */
        MISSING("missing");

        private final String label;

        Content(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
