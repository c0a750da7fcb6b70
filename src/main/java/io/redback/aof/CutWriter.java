package io.redback.aof;

import io.redback.files.NewFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The writing half of a cut: a new appendonlydir (manifest, base and incr files, named as Redis
 * names them) or, for a single source file, one AOF file. The source is never written: an
 * output that is, or holds, a source file (the same file by identity: a hard link or a symbolic
 * link to it counts) is refused even with {@code --force}. Every file is written under a new
 * random name and renamed over its own ({@link NewFile}), so even a link that appears later
 * never lets a write reach the source or another file. Data files are written and fsynced first;
 * the manifest (or the renamed single file) comes last, so an interrupted cut leaves a directory
 * Redis refuses rather than one it loads wrongly.
 */
final class CutWriter {
    /** One output file: its name, and the byte range of the source file it copies. */
    private record Piece(String name, Path from, long start, long end) {
    }

    private final AofSet set;
    private final Path out;
    private final boolean file;
    private final boolean force;

    private CutWriter(AofSet set, Path out, boolean file, boolean force) {
        this.set = set;
        this.out = out;
        this.file = file;
        this.force = force;
    }

    /**
     * Checks the output before anything is read: a usage mistake should not wait for a scan.
     *
     * @throws IllegalArgumentException if the output may not be written
     */
    static CutWriter prepare(AofSet set, Path out, boolean force) throws IOException {
        boolean existingFile = Files.isRegularFile(out);
        if (existingFile && Files.isSymbolicLink(out)) {
            throw new IllegalArgumentException("--out " + out + " is a symbolic link; a cut never writes through or "
                    + "over a link: remove it, or name the file itself");
        }
        boolean looksLikeFile = existingFile
                || (!Files.exists(out) && out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".aof"));
        if (looksLikeFile && set.multiPart()) {
            throw new IllegalArgumentException("--out " + out + ": a multi-part AOF is cut into a new appendonlydir; "
                    + "name a directory");
        }
        if (Files.exists(out) && !existingFile && !Files.isDirectory(out)) {
            throw new IllegalArgumentException("--out " + out + " exists and is neither a file nor a directory");
        }
        for (AofSet.Part p : set.parts()) {
            if (looksLikeFile ? sameFile(out, p.path()) : sameFile(out, p.path().toAbsolutePath().getParent())) {
                throw new IllegalArgumentException("--out " + out + (looksLikeFile ? " is the source" : " holds the source ("
                        + p.path().getFileName() + ")") + "; the source is never modified: choose another output");
            }
        }
        if (!looksLikeFile && Files.isDirectory(out)) {
            refuseLinksToSource(set, out);
        }
        if (existingFile && !force) {
            throw new IllegalArgumentException("--out " + out + " exists; add --force to replace it");
        }
        if (Files.isDirectory(out) && !force) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
                if (ds.iterator().hasNext()) {
                    throw new IllegalArgumentException("--out " + out + " is not empty; choose a new directory, or add "
                            + "--force to write into it (files of the same names are replaced, other manifests removed)");
                }
            }
        }
        return new CutWriter(set, out, looksLikeFile, force);
    }

    /** A directory holding a hard or symbolic link to a source file (a {@code cp -al} copy) is the source too. */
    private static void refuseLinksToSource(AofSet set, Path out) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
            for (Path f : ds) {
                for (AofSet.Part p : set.parts()) {
                    if (Files.isRegularFile(f) && sameFile(f, p.path())) {
                        throw new IllegalArgumentException("--out " + out + " holds " + f.getFileName() + ", which is "
                                + "the source file " + p.path() + " (a hard or symbolic link to it); the source is never "
                                + "modified: choose another output");
                    }
                }
            }
        }
    }

    private static boolean sameFile(Path a, Path b) throws IOException {
        return b != null && Files.exists(a) && Files.exists(b) && Files.isSameFile(a, b);
    }

    /** Writes what the scan kept. */
    CutReport.Output write(CutScan scan) throws IOException {
        return file ? writeFile(scan) : writeDir(scan);
    }

    private CutReport.Output writeFile(CutScan scan) throws IOException {
        Path src = set.parts().get(0).path();
        long end = scan.keptEnd(0);
        Files.createDirectories(out.toAbsolutePath().getParent());
        copy(src, 0, end, out);
        return new CutReport.Output(out, false, null, null,
                List.of(new CutReport.Written(String.valueOf(out.getFileName()), end)));
    }

    private CutReport.Output writeDir(CutScan scan) throws IOException {
        Files.createDirectories(out);
        String prefix = set.prefix();
        String manifestName = prefix + ".manifest";
        if (force) {
            removeOtherManifests(manifestName);
        }
        StringBuilder manifest = new StringBuilder();
        List<CutReport.Written> written = new ArrayList<>();
        for (Piece p : set.multiPart() ? multiPartPieces(scan, manifest) : singlePieces(scan, prefix, manifest)) {
            copy(p.from(), p.start(), p.end(), out.resolve(p.name()));
            written.add(new CutReport.Written(p.name(), p.end() - p.start()));
        }
        NewFile.write(out.resolve(manifestName), manifest.toString().getBytes(StandardCharsets.UTF_8), NewFile.Mode.DEFAULT);
        written.add(new CutReport.Written(manifestName, manifest.length()));
        return new CutReport.Output(out, true, prefix, manifestName, written);
    }

    /** The base and the incr files up to the cut, under their own names and sequence numbers. */
    private List<Piece> multiPartPieces(CutScan scan, StringBuilder manifest) {
        List<Piece> pieces = new ArrayList<>();
        List<AofSet.Part> parts = set.parts();
        int last = scan.cutPart < 0 ? parts.size() - 1 : scan.cutPart;
        for (int i = 0; i <= last; i++) {
            AofSet.Part p = parts.get(i);
            pieces.add(new Piece(p.name(), p.path(), 0, scan.keptEnd(i)));
            AofManifest.Entry e = p.entry();
            // A replication end offset recorded for a file no longer holds once the file is cut.
            manifestLine(manifest, e.name(), e.seq(), e.type(), e.startOffset(), i == scan.cutPart ? -1 : e.endOffset());
        }
        return pieces;
    }

    /** A lone file becomes what Redis 7 would have made of it: its RDB preamble as the base, its commands as incr 1. */
    private List<Piece> singlePieces(CutScan scan, String prefix, StringBuilder manifest) {
        List<Piece> pieces = new ArrayList<>();
        Path src = set.parts().get(0).path();
        if (scan.commandsStart > 0) {
            String name = prefix + ".1.base.rdb";
            pieces.add(new Piece(name, src, 0, scan.commandsStart));
            manifestLine(manifest, name, 1, AofManifest.FileType.BASE, -1, -1);
        }
        String name = prefix + ".1.incr.aof";
        pieces.add(new Piece(name, src, scan.commandsStart, scan.keptEnd(0)));
        manifestLine(manifest, name, 1, AofManifest.FileType.INCR, -1, -1);
        return pieces;
    }

    private static void manifestLine(StringBuilder sb, String name, long seq, AofManifest.FileType type, long start,
                                     long end) {
        byte[] raw = name.getBytes(StandardCharsets.UTF_8);
        sb.append("file ").append(SplitArgs.needsRepr(raw) ? SplitArgs.repr(raw) : name)
                .append(" seq ").append(seq).append(" type ").append(type.code());
        if (start != -1) {
            sb.append(" startoffset ").append(start);
            if (end != -1) {
                sb.append(" endoffset ").append(end);
            }
        }
        sb.append('\n');
    }

    private void removeOtherManifests(String keep) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, "*.manifest")) {
            for (Path p : ds) {
                if (!p.getFileName().toString().equals(keep) && Files.isRegularFile(p)) {
                    Files.delete(p); // two manifests in one appendonlydir would make it ambiguous
                }
            }
        }
    }

    /**
     * Copies bytes [start, end) of {@code src} into a new file renamed over {@code dst} (fsynced):
     * whatever dst was (a hard link to the source included) is replaced, never written into.
     */
    static void copy(Path src, long start, long end, Path dst) throws IOException {
        try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
             NewFile file = NewFile.beside(dst, NewFile.Mode.DEFAULT)) {
            FileChannel o = file.channel();
            long pos = start;
            while (pos < end) {
                long n = in.transferTo(pos, end - pos, o);
                if (n <= 0) {
                    throw new IOException(src + ": ends at byte " + pos + " while copying up to byte " + end
                            + " (did the file shrink while it was being cut?)");
                }
                pos += n;
            }
            file.commit();
        }
    }
}
