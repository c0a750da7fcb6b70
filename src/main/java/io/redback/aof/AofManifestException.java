package io.redback.aof;

/**
 * A multi-part AOF manifest that Redis would refuse at startup ("FATAL AOF MANIFEST FILE
 * ERROR"): it names the manifest, the line (1-based, comments counted, as Redis counts) and
 * what is wrong with it.
 */
public final class AofManifestException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String lineText;
    private final String detail;

    AofManifestException(String file, int line, String lineText, String detail) {
        super(file + (line > 0 ? ": line " + line + (lineText == null ? "" : " (" + lineText + ")") : "") + ": " + detail,
                null, false, false);
        this.file = file;
        this.line = line;
        this.lineText = lineText;
        this.detail = detail;
    }

    public String file() {
        return file;
    }

    /** 1-based line number, or 0 when the problem is the manifest as a whole. */
    public int line() {
        return line;
    }

    /** The offending line, printable-escaped, or null. */
    public String lineText() {
        return lineText;
    }

    public String detail() {
        return detail;
    }
}
