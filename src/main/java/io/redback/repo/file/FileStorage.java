package io.redback.repo.file;

import io.redback.repo.Storage;
import io.redback.repo.StorageKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code file://} backend: each key is a file under a root folder, '/' mapping to folders.
 * A put writes {@code <key>.tmp-<random>}, fsyncs it, renames it over the key atomically and
 * fsyncs the folder, so a reader sees the old file or the new one and a crash leaves at worst a
 * temporary (never listed, removed by prune). Files are created 0600 and folders 0700 where the
 * file system has POSIX permissions, because backups hold every secret in the database.
 * Deleting a key also removes the folders it leaves empty; listing removes temporaries that
 * have not been written for a day (left by a crash).
 */
public final class FileStorage implements Storage {
    private static final int COPY_BUFFER = 1 << 20;
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> FOLDER_MODE = PosixFilePermissions.fromString("rwx------");
    // A concurrent delete may remove a folder this put just created; that many tries is plenty.
    private static final int CREATE_ATTEMPTS = 5;
    private static final Duration STALE_TEMPORARY = Duration.ofDays(1);

    private final Path root;
    private final boolean posix;
    private final SecureRandom random = new SecureRandom();

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
        Path temp = null;
        try {
            temp = createTemporary(target);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                copy(data, length, out, key);
                out.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            temp = null;
            syncFolder(target.getParent());
        } catch (IOException e) {
            throw FileErrors.describe(e, "writing", key, root);
        } finally {
            if (temp != null) {
                deleteQuietly(temp);
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
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
            if (a.isDirectory()) {
                throw missing(key);
            }
            // A FIFO would block the open until a writer comes, a device never ends: neither is an object.
            if (!a.isRegularFile()) {
                throw missing(key, "not a regular file (a FIFO, a device or a socket), so not an object");
            }
            return new RangeInputStream(FileChannel.open(path, StandardOpenOption.READ), offset, length);
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
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
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
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<ObjectInfo> found = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return found;
        }
        try {
            Path realRoot = root.toRealPath();
            Files.walkFileTree(start.toRealPath(), new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes a) {
                    String name = file.getFileName().toString();
                    if (name.contains(StorageKeys.TEMPORARY_MARK)) {
                        removeIfStale(file, a);
                    } else if (a.isRegularFile()) {
                        String key = keyOf(realRoot.relativize(file));
                        if (key.startsWith(prefix)) {
                            found.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
                        }
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
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw FileErrors.describe(e, "listing", prefix.isEmpty() ? "all keys" : prefix + "*", root);
        }
        found.sort(Comparator.comparing(ObjectInfo::key));
        return found;
    }

    @Override
    public void delete(String key) throws IOException {
        Path path = pathOf(key);
        try {
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
     * Removes a temporary left by a crashed put once it is a day old. Nothing else can see it to
     * clean it up (listings hide temporaries), and a live put touches its temporary with every
     * write, so a day without a write means its writer is gone. Best effort: a read-only
     * repository simply keeps it.
     */
    private static void removeIfStale(Path temporary, BasicFileAttributes a) {
        if (a.lastModifiedTime().toInstant().isBefore(Instant.now().minus(STALE_TEMPORARY))) {
            deleteQuietly(temporary);
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
    private Path createTemporary(Path target) throws IOException {
        for (int attempt = 1; ; attempt++) {
            createFolders(target.getParent());
            Path temp = target.resolveSibling(target.getFileName() + StorageKeys.TEMPORARY_MARK + randomHex());
            try {
                FileChannel.open(temp, createOptions(), fileAttributes(FILE_MODE)).close();
                return temp;
            } catch (NoSuchFileException e) {
                if (attempt == CREATE_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private static Set<OpenOption> createOptions() {
        return Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    /** Creates folder and its missing parents one by one, 0700, fsyncing each new entry's parent. */
    private void createFolders(Path folder) throws IOException {
        if (Files.isDirectory(folder)) {
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
            if (!Files.isDirectory(folder)) {
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

    /**
     * Makes a folder's entries (a rename, a new file, a deletion) durable. Where a folder cannot
     * be opened for reading (not POSIX), the platform offers no such guarantee and we skip it.
     */
    private static void syncFolder(Path folder) throws IOException {
        FileChannel channel;
        try {
            channel = FileChannel.open(folder, StandardOpenOption.READ);
        } catch (IOException e) {
            return;
        }
        try (channel) {
            channel.force(true);
        }
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

    private String randomHex() {
        byte[] bytes = new byte[6];
        random.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The put already failed with the error that matters; a leftover temporary is garbage prune removes.
        }
    }
}
