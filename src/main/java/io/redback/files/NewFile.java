package io.redback.files;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * A local file written without trusting what already lies where it goes: it is created beside
 * its target under a new random name ({@code <name>.tmp-<12 hex>}) with CREATE_NEW and
 * NOFOLLOW_LINKS, so a planted link, a hard link to another file or a guessed name is never
 * opened; written; then {@link #commit}ted: fsynced, renamed over the target (never onto a
 * symbolic link, which is refused) and the folder fsynced. A reader of the target sees the old
 * file or the whole new one, and a file hard-linked to the old target keeps its bytes. Closing
 * without a commit removes the temporary.
 */
public final class NewFile implements Closeable {
    /** Marks a temporary's name; whoever lists a folder of such files skips (or cleans up) these. */
    public static final String TEMPORARY_MARK = ".tmp-";

    /** Who may read what is written. */
    public enum Mode {
        /** 0600 (folders 0700): backups and spools hold every value of the database. */
        PRIVATE,
        /** What the process's umask gives, as Redis creates its own files (usually 0644). */
        DEFAULT
    }

    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
            LinkOption.NOFOLLOW_LINKS);
    private static final Set<PosixFilePermission> FILE_0600 = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> FOLDER_0700 = PosixFilePermissions.fromString("rwx------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path target;
    private final Path temporary;
    private final FileChannel channel;
    private boolean done;

    private NewFile(Path target, Path temporary, FileChannel channel) {
        this.target = target;
        this.temporary = temporary;
        this.channel = channel;
    }

    /**
     * Creates the temporary of target in target's folder (which must exist).
     *
     * @throws IOException when target is a symbolic link (said so), or the file cannot be created
     */
    public static NewFile beside(Path target, Mode mode) throws IOException {
        Path t = target.toAbsolutePath();
        refuseLink(t);
        Path temporary = t.resolveSibling(t.getFileName() + TEMPORARY_MARK + randomHex());
        return new NewFile(t, temporary, create(temporary, mode));
    }

    /** Writes data to target atomically (a temporary, fsync, rename, fsync of the folder). */
    public static void write(Path target, byte[] data, Mode mode) throws IOException {
        try (NewFile f = beside(target, mode)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                f.channel().write(b);
            }
            f.commit();
        }
    }

    /**
     * Opens a file that must not exist yet (CREATE_NEW, NOFOLLOW_LINKS) for writing, for files
     * whose name is not a promise to anyone (inside a folder of one's own).
     */
    public static FileChannel create(Path file, Mode mode) throws IOException {
        return FileChannel.open(file, CREATE, attributes(file, mode == Mode.PRIVATE ? FILE_0600 : null));
    }

    /** Creates folder and its missing parents; those created are 0700 with {@link Mode#PRIVATE}. */
    public static Path createFolders(Path folder, Mode mode) throws IOException {
        return Files.createDirectories(folder, attributes(folder, mode == Mode.PRIVATE ? FOLDER_0700 : null));
    }

    /**
     * Throws when path is a symbolic link: redback neither writes through a link nor replaces one
     * (it may have been planted to redirect the write, or be the operator's own arrangement).
     */
    public static void refuseLink(Path path) throws IOException {
        if (Files.isSymbolicLink(path)) {
            throw new IOException(path + " is a symbolic link; redback never writes through or over a link: remove it, "
                    + "or write to where it points");
        }
    }

    /** The temporary being written. */
    public Path path() {
        return temporary;
    }

    /** Where the temporary goes on commit. */
    public Path target() {
        return target;
    }

    /** The temporary's channel, open for writing. */
    public FileChannel channel() {
        return channel;
    }

    /** Fsyncs and closes the temporary, renames it over the target and fsyncs the folder. */
    public void commit() throws IOException {
        if (done) {
            throw new IllegalStateException(temporary + " is already committed or closed");
        }
        channel.force(true);
        channel.close();
        refuseLink(target);
        try {
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
        }
        done = true;
        syncFolder(target.getParent());
    }

    /** Without a commit, removes the temporary. */
    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            channel.close();
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Makes a folder's entries (a rename, a new file, a deletion) durable. Where a folder cannot
     * be opened for reading (not POSIX) the platform offers no such guarantee, and this does nothing.
     */
    public static void syncFolder(Path folder) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(folder, StandardOpenOption.READ);
        } catch (IOException e) {
            return;
        }
        try (ch) {
            ch.force(true);
        }
    }

    private static FileAttribute<?>[] attributes(Path p, Set<PosixFilePermission> mode) {
        boolean posix = p.getFileSystem().supportedFileAttributeViews().contains("posix");
        return mode != null && posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)}
                : new FileAttribute<?>[0];
    }

    private static String randomHex() {
        byte[] bytes = new byte[6];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
