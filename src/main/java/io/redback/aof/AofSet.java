package io.redback.aof;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The files of an AOF in the order Redis loads them, whatever the user named: a single AOF file
 * (plain, or with an RDB preamble), a Redis 7 manifest, or an appendonlydir (or a data dir with
 * an {@code appendonlydir} in it). History files are left out: Redis never loads them. Each
 * part knows whether it is history that may be cut (incr files, a single file) or a snapshot
 * that may not (the base).
 */
final class AofSet {
    /** The file name prefix Redis uses by default ({@code appendfilename}). */
    static final String DEFAULT_PREFIX = "appendonly.aof";
    static final String DEFAULT_DIRNAME = "appendonlydir";

    /** A part's role. */
    enum Role {
        /** The base of a multi-part AOF: a snapshot, never cut. */
        BASE,
        /** An incr file of a multi-part AOF. */
        INCR,
        /** A lone AOF file: an RDB preamble (a snapshot) followed by commands, or only commands. */
        SINGLE;

        /** Whether its commands are history (may be cut) rather than a snapshot. */
        boolean cuttable() {
            return this != BASE;
        }
    }

    /** One file: where it is, its name, its role and its manifest line (null for a single file). */
    record Part(Path path, String name, Role role, AofManifest.Entry entry) {
    }

    private final Path source;
    private final AofManifest manifest;
    private final List<Part> parts;
    private final String siblingManifest;

    private AofSet(Path source, AofManifest manifest, List<Part> parts, String siblingManifest) {
        this.source = source;
        this.manifest = manifest;
        this.parts = List.copyOf(parts);
        this.siblingManifest = siblingManifest;
    }

    /**
     * Resolves what the user named.
     *
     * @throws IOException if it does not exist, holds no manifest, or a listed file is missing
     * @throws AofManifestException if the manifest is one Redis would refuse
     */
    static AofSet open(Path source) throws IOException, AofManifestException {
        if (!Files.exists(source)) {
            throw new NoSuchFileException(source.toString(), null, "no such file or directory");
        }
        if (Files.isDirectory(source)) {
            Path dir = source;
            if (!hasManifest(dir) && Files.isDirectory(dir.resolve(DEFAULT_DIRNAME))) {
                dir = dir.resolve(DEFAULT_DIRNAME); // a Redis data dir: its AOF is in appendonlydir
            }
            return multiPart(source, AofCheck.findManifest(dir));
        }
        if (AofManifest.looksLikeManifest(source)) {
            return multiPart(source, source);
        }
        Part single = new Part(source, String.valueOf(source.getFileName()), Role.SINGLE, null);
        return new AofSet(source, null, List.of(single), listedBy(source));
    }

    private static AofSet multiPart(Path source, Path manifestPath) throws IOException, AofManifestException {
        AofManifest m = AofManifest.read(manifestPath);
        for (AofManifest.FileCheck fc : m.verifyFiles()) {
            if (fc.fatal()) {
                throw new IOException(fc.path() + ": " + fc.message() + " (manifest " + manifestPath + ")");
            }
        }
        List<Part> parts = new ArrayList<>();
        for (AofManifest.Entry e : m.loadOrder()) {
            Role role = e.type() == AofManifest.FileType.BASE ? Role.BASE : Role.INCR;
            parts.add(new Part(m.pathOf(e), e.name(), role, e));
        }
        return new AofSet(source, m, parts, null);
    }

    private static boolean hasManifest(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.manifest")) {
            return ds.iterator().hasNext();
        }
    }

    /** The manifest beside a lone file that lists it, if any (so cutting the file alone loses the rest). */
    private static String listedBy(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null) {
            return null;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.manifest")) {
            for (Path p : ds) {
                AofManifest m = AofManifest.read(p);
                for (AofManifest.Entry e : m.entries()) {
                    if (e.name().equals(String.valueOf(file.getFileName())) && e.type() != AofManifest.FileType.HISTORY) {
                        return p.getFileName() + " lists it as its " + AofManifest.typeName(e.type()) + " file";
                    }
                }
            }
        } catch (IOException | AofManifestException | RuntimeException e) {
            return null; // only a hint; an unreadable neighbour is not this file's problem
        }
        return null;
    }

    /** What the user named. */
    Path source() {
        return source;
    }

    boolean multiPart() {
        return manifest != null;
    }

    /** The manifest, or null for a single file. */
    AofManifest manifest() {
        return manifest;
    }

    /** The files Redis loads, in order. */
    List<Part> parts() {
        return parts;
    }

    /**
     * The file name prefix ({@code appendfilename}) of a multi-part set: the manifest's name
     * without {@code .manifest}; {@value #DEFAULT_PREFIX} for a single file.
     */
    String prefix() {
        if (manifest == null) {
            return DEFAULT_PREFIX;
        }
        String n = String.valueOf(manifest.file().getFileName());
        return n.endsWith(".manifest") ? n.substring(0, n.length() - ".manifest".length()) : n;
    }

    /** For a lone file that a manifest beside it lists: which one and how; else null. */
    String siblingManifest() {
        return siblingManifest;
    }

    /** "multi-part AOF (appendonly.aof.manifest: base + 2 incr)" or "single AOF file". */
    String describe() {
        if (manifest == null) {
            return "single AOF file";
        }
        long incr = parts.stream().filter(p -> p.role() == Role.INCR).count();
        boolean base = parts.stream().anyMatch(p -> p.role() == Role.BASE);
        return "multi-part AOF (" + manifest.file().getFileName() + ": " + (base ? "base + " : "no base, ")
                + incr + " incr)";
    }
}
