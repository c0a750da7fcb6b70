package io.redback.storage.file;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Turns the JDK's file errors into messages that say what to do. The JDK reports ENOSPC and EROFS
 * only as text inside an IOException, so those are recognised by their strerror wording.
 */
final class FileErrors {
    private FileErrors() {
    }

    /** The error to throw for a failure while {@code action}ing key (e.g. "writing") in root. */
    static IOException describe(IOException e, String action, String key, Path root) {
        if (e instanceof NoSuchFileException) {
            return e;
        }
        String text = text(e);
        if (text.contains("no space left on device") || text.contains("disk quota exceeded")) {
            return new IOException("no space left on device while " + action + " " + key + " to " + root
                    + ": free space or choose another repository", e);
        }
        if (text.contains("read-only file system")) {
            return new IOException("read-only file system while " + action + " " + key + " in " + root
                    + ": remount it read-write or choose another repository", e);
        }
        if (e instanceof AccessDeniedException a) {
            return new IOException("permission denied while " + action + " " + key + " in " + root
                    + " (" + a.getFile() + "): redback needs read and write access to the repository folder as user '"
                    + System.getProperty("user.name") + "'; check the owner and mode of the folders on that path", e);
        }
        return new IOException(action + " " + key + " in " + root + " failed: " + e.getMessage(), e);
    }

    /** True when e means the object is not there (including a path through a plain file). */
    static boolean isMissing(IOException e) {
        return e instanceof NoSuchFileException || text(e).contains("not a directory");
    }

    private static String text(IOException e) {
        String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : "";
        String message = e.getMessage() == null ? "" : e.getMessage();
        return (reason + " " + message).toLowerCase(Locale.ROOT);
    }
}
