package io.redback.aof;

/**
 * Where and what the (first) problem of an AOF is: the file, the byte offset, how many complete
 * commands of that file came before it, the database and the last {@code #TS} time there, what
 * was expected and found, a one-line message and what to do. Fields that do not apply are -1
 * or null (e.g. a manifest problem has a line and no offset).
 */
public record AofProblem(
        Kind kind,
        String file,
        long offset,
        long commandIndex,
        int db,
        Long time,
        int manifestLine,
        String expected,
        String found,
        String message,
        String advice) {

    /** The kind of problem. */
    public enum Kind {
        /** The file ends inside a command or an open MULTI. */
        TRUNCATED("truncated"),
        /** Bytes that cannot be there. */
        DAMAGED("damaged"),
        /** The RDB preamble or base is damaged or incomplete. */
        RDB_DAMAGED("rdb-damaged"),
        /** The RDB preamble or base cannot be read by this release. */
        UNSUPPORTED("unsupported"),
        /** The manifest is not one Redis accepts. */
        MANIFEST("manifest"),
        /** A file the manifest lists is missing or not a file. */
        MISSING_FILE("missing-file");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }
}
