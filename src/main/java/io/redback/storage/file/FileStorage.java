package io.redback.storage.file;

import io.redback.files.NewFile;
import io.redback.storage.Storage;
import io.redback.storage.StorageKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code file://} backend: each key is a file under a root folder, '/' mapping to folders.
 * A put writes {@code <key>.tmp-<random>}, fsyncs it, renames it over the key atomically and
 * fsyncs the folder, so a reader sees the old file or the new one and a crash leaves at worst a
 * temporary (never listed, removed by prune). Files are created 0600 and folders 0700 where the
 * file system has POSIX permissions, because backups hold every secret in the database.
 * Deleting a key also removes the folders it leaves empty. Nothing inside the root is followed
 * if it is a symbolic link (the root itself may be one): a listing skips links, and a key whose
 * path runs through one is refused, so a link planted in a repository can neither show objects
 * from elsewhere nor redirect a write or a delete. Reading never deletes: temporaries left by a
 * crash go only through {@link #removeTemporaries}, which prune calls. No failure here is
 * transient (asking a file system again does not free space or grant access), so
 * {@link io.redback.storage.RetryingStorage} never repeats a request of this backend.
 */
public final class FileStorage implements Storage {
    private static final int COPY_BUFFER = 1 << 20;
    private static final Set<PosixFilePermission> FOLDER_MODE = PosixFilePermissions.fromString("rwx------");
    // A concurrent delete may remove a folder this put just created; that many tries is plenty.
    private static final int CREATE_ATTEMPTS = 5;

    private final Path root;
    private final boolean posix;

    /** A storage rooted at root (made absolute); the folder is created by the first put. */
    public FileStorage(Path root) {
        this.root = root.toAbsolutePath().normalize();
        this.posix = this.root.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    @Override
    public void put(String key, InputStream data, long length) throws IOException {
        Path target = pathOf(key);
        NewFile temp = null;
        try {
            temp = createTemporary(target);
            copy(data, length, temp.channel(), key);
            temp.commit();
            temp = null;
        } catch (IOException e) {
            throw FileErrors.describe(e, "writing", key, root);
        } finally {
            if (temp != null) {
                closeQuietly(temp);
                try {
                    removeEmptyFolders(target.getParent());
                } catch (IOException ignored) {
                    // Best effort: an empty folder is harmless.
                }
            }
        }
    }

    @Override
    public InputStream get(String key) throws IOException {
        return getRange(key, 0, Long.MAX_VALUE);
    }

    @Override
    public InputStream getRange(String key, long offset, long length) throws IOException {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative range " + offset + "+" + length + " for " + key);
        }
        Path path = pathOf(key);
        try {
            refuseLinks(path);
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                throw missing(key);
            }
            // A FIFO would block the open until a writer comes, a device never ends: neither is an object.
            if (!a.isRegularFile()) {
                throw missing(key, "not a regular file (a FIFO, a device or a socket), so not an object");
            }
            return new RangeInputStream(FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS),
                    offset, length);
        } catch (NoSuchFileException e) {
            throw e.getFile() != null && e.getFile().equals(key) ? e : missing(key);
        } catch (IOException e) {
            throw FileErrors.isMissing(e) ? missing(key) : FileErrors.describe(e, "reading", key, root);
        }
    }

    @Override
    public Optional<ObjectInfo> stat(String key) throws IOException {
        Path path = pathOf(key);
        try {
            refuseLinks(path.getParent());
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? Optional.of(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()))
                    : Optional.empty();
        } catch (IOException e) {
            if (FileErrors.isMissing(e)) {
                return Optional.empty();
            }
            throw FileErrors.describe(e, "reading", key, root);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) throws IOException {
        StorageKeys.requirePrefix(prefix);
        int slash = prefix.lastIndexOf('/');
        List<ObjectInfo> found = new ArrayList<>();
        try {
            Optional<Path> start = folderWithoutLinks(slash < 0 ? "" : prefix.substring(0, slash));
            if (start.isEmpty()) {
                return found;
            }
            Path realRoot = root.toRealPath();
            walk(start.get(), (file, a) -> {
                if (!file.getFileName().toString().contains(StorageKeys.TEMPORARY_MARK)) {
                    String key = keyOf(realRoot.relativize(file));
                    if (key.startsWith(prefix)) {
                        found.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
                    }
                }
            });
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw FileErrors.describe(e, "listing", prefix.isEmpty() ? "all keys" : prefix + "*", root);
        }
        found.sort(Comparator.comparing(ObjectInfo::key));
        return found;
    }

    /**
     * Removes the temporaries that crashed puts left anywhere in the repository and that have not
     * been written since before; returns how many. A live put writes its temporary as it goes,
     * so one untouched for a day has lost its writer. Links are not followed.
     */
    @Override
    public int removeTemporaries(Instant before) throws IOException {
        int[] removed = {0};
        try {
            Optional<Path> start = folderWithoutLinks("");
            if (start.isEmpty()) {
                return 0;
            }
            walk(start.get(), (file, a) -> {
                if (file.getFileName().toString().contains(StorageKeys.TEMPORARY_MARK)
                        && a.lastModifiedTime().toInstant().isBefore(before) && Files.deleteIfExists(file)) {
                    removed[0]++;
                }
            });
        } catch (NoSuchFileException e) {
            return removed[0];
        } catch (IOException e) {
            throw FileErrors.describe(e, "removing temporaries in", "all keys", root);
        }
        return removed[0];
    }

    /** What a walk does with each regular file it meets. */
    private interface FileAction {
        void accept(Path file, BasicFileAttributes a) throws IOException;
    }

    /**
     * Visits every regular file under start without following links: a link (to a file or a
     * folder) is met as a link and skipped, so a walk never leaves the repository.
     */
    private static void walk(Path start, FileAction action) throws IOException {
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes a) throws IOException {
                if (a.isRegularFile()) {
                    action.accept(file, a);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                // A concurrent delete may remove a file or folder while we walk: not an error.
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
    }

    /**
     * The folder at relative path folder under the root (resolved, as the root may be a link), if
     * it exists and neither it nor a folder between it and the root is a symbolic link.
     */
    private Optional<Path> folderWithoutLinks(String folder) throws IOException {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        Path at = root.toRealPath();
        if (!folder.isEmpty()) {
            for (String part : folder.split("/")) {
                at = at.resolve(part);
                if (!Files.isDirectory(at, LinkOption.NOFOLLOW_LINKS)) {
                    return Optional.empty();
                }
            }
        }
        return Optional.of(at);
    }

    @Override
    public void delete(String key) throws IOException {
        Path path = pathOf(key);
        try {
            refuseLinks(path.getParent());
            if (Files.deleteIfExists(path)) {
                Path folder = path.getParent();
                syncFolder(folder);
                removeEmptyFolders(folder);
            }
        } catch (IOException e) {
            throw FileErrors.describe(e, "deleting", key, root);
        }
    }

    @Override
    public String describe() {
        return "file://" + root.toUri().getRawPath().replaceAll("(.)/$", "$1");
    }

    @Override
    public void close() {
        // Nothing held open between calls.
    }

    private Path pathOf(String key) {
        StorageKeys.requireKey(key);
        Path path = root.resolve(key).normalize();
        if (!path.startsWith(root) || path.equals(root)) {
            throw new IllegalArgumentException("object key '" + key + "' leaves the repository folder " + root);
        }
        return path;
    }

    /**
     * Throws when path, or a folder between it and the root, is a symbolic link: nothing inside a
     * repository is followed, so that a planted link cannot send a read, a write or a delete elsewhere.
     */
    private void refuseLinks(Path path) throws IOException {
        for (Path p = path; p != null && !p.equals(root) && p.startsWith(root); p = p.getParent()) {
            if (Files.isSymbolicLink(p)) {
                throw new IOException(p + " is a symbolic link; redback does not follow links inside a repository: "
                        + "remove it (keep the real folder or file there)");
            }
        }
    }

    private static String keyOf(Path relative) {
        StringBuilder key = new StringBuilder();
        for (Path part : relative) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(part);
        }
        return key.toString();
    }

    private static NoSuchFileException missing(String key) {
        return missing(key, "no such object");
    }

    private static NoSuchFileException missing(String key, String reason) {
        return new NoSuchFileException(key, null, reason);
    }

    /** Creates the key's temporary (and its folders), retrying if a concurrent delete removed a folder. */
    private NewFile createTemporary(Path target) throws IOException {
        for (int attempt = 1; ; attempt++) {
            refuseLinks(target.getParent());
            createFolders(target.getParent());
            try {
                return NewFile.beside(target, NewFile.Mode.PRIVATE);
            } catch (NoSuchFileException e) {
                if (attempt == CREATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** Creates folder and its missing parents one by one, 0700, fsyncing each new entry's parent. */
    private void createFolders(Path folder) throws IOException {
        if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS) || folder.equals(root) && Files.isDirectory(root)) {
            return;
        }
        Path parent = folder.getParent();
        if (parent != null) {
            createFolders(parent);
        }
        try {
            Files.createDirectory(folder, fileAttributes(FOLDER_MODE));
            if (parent != null) {
                syncFolder(parent);
            }
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(folder + " exists and is not a folder; the repository layout needs a folder there", e);
            }
        }
    }

    private FileAttribute<?>[] fileAttributes(Set<PosixFilePermission> mode) {
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)} : new FileAttribute<?>[0];
    }

    /** Removes now-empty folders from folder up to (not including) the root. */
    private void removeEmptyFolders(Path folder) throws IOException {
        for (Path f = folder; f != null && !f.equals(root) && f.startsWith(root); f = f.getParent()) {
            try {
                Files.delete(f);
            } catch (DirectoryNotEmptyException | NoSuchFileException e) {
                return;
            }
            syncFolder(f.getParent());
        }
    }

    private static void syncFolder(Path folder) throws IOException {
        NewFile.syncFolder(folder);
    }

    private static void copy(InputStream data, long length, FileChannel out, String key) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER];
        long total = 0;
        while (length < 0 || total < length) {
            int want = length < 0 ? buffer.length : (int) Math.min(buffer.length, length - total);
            int n = data.read(buffer, 0, want);
            if (n < 0) {
                break;
            }
            ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, n);
            while (chunk.hasRemaining()) {
                out.write(chunk);
            }
            total += n;
        }
        if (length >= 0 && (total < length || data.read() >= 0)) {
            throw new IOException("the data for " + key + " was announced as " + length + " bytes but "
                    + (total < length ? "ended after " + total : "has more"));
        }
    }

    private static void closeQuietly(NewFile temp) {
        try {
            temp.close();
        } catch (IOException ignored) {
            // The put already failed with the error that matters; a leftover temporary is garbage prune removes.
        }
    }
}
