package io.redback.aof;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@io.redback.testsupport.Fast
class AofManifestTest {
    @TempDir
    Path dir;

    private AofManifest parse(String text) throws AofManifestException {
        return AofManifest.parse(text.getBytes(StandardCharsets.UTF_8), dir.resolve("appendonly.aof.manifest"));
    }

    private void assertRejected(String text, int line, String detail) {
        assertThatThrownBy(() -> parse(text)).isInstanceOfSatisfying(AofManifestException.class, e -> {
            assertThat(e.line()).as(text).isEqualTo(line);
            assertThat(e.detail()).contains(detail);
            assertThat(e.getMessage()).contains("appendonly.aof.manifest");
        });
    }

    @Test
    void readsWhatRedisWrites() throws Exception {
        AofManifest m = parse("file appendonly.aof.2.base.rdb seq 2 type b\n"
                + "file appendonly.aof.1.incr.aof seq 1 type h\n"
                + "file appendonly.aof.2.incr.aof seq 2 type h\n"
                + "file appendonly.aof.3.incr.aof seq 3 type i\n"
                + "file appendonly.aof.4.incr.aof seq 4 type i startoffset 100 endoffset 200\n");
        assertThat(m.base().name()).isEqualTo("appendonly.aof.2.base.rdb");
        assertThat(m.base().seq()).isEqualTo(2);
        assertThat(m.history()).extracting(AofManifest.Entry::name)
                .containsExactly("appendonly.aof.1.incr.aof", "appendonly.aof.2.incr.aof");
        assertThat(m.loadOrder()).extracting(AofManifest.Entry::name).containsExactly("appendonly.aof.2.base.rdb",
                "appendonly.aof.3.incr.aof", "appendonly.aof.4.incr.aof");
        assertThat(m.incrs().get(1).startOffset()).isEqualTo(100);
        assertThat(m.incrs().get(1).endOffset()).isEqualTo(200);
        assertThat(m.incrs().get(1).line()).isEqualTo(5);
        assertThat(m.dir()).isEqualTo(dir.toAbsolutePath());
    }

    @Test
    void everyReleaseFixtureParses() throws Exception {
        for (Path manifest : Fixtures.manifests()) {
            AofManifest m = AofManifest.read(manifest);
            assertThat(m.base()).as(manifest.toString()).isNotNull();
            assertThat(m.incrs()).hasSize(1);
            assertThat(m.verifyFiles()).allSatisfy(fc -> assertThat(fc.status()).isEqualTo(AofManifest.Status.OK));
            assertThat(m.format()).isEqualTo(Files.readString(manifest));
        }
    }

    @Test
    void tokensAreSplitAndQuotedLikeSdssplitargs() throws Exception {
        AofManifest m = parse("# a comment, skipped\n"
                + "FILE \"my app.aof.1.base.rdb\" SEQ 1 TYPE b\n"
                + "  file 'it\\'s.incr.aof'\tseq 1 type i  \r\n"
                + "file \"\\x41\\n.incr.aof\" seq 2 type i future value\n");
        assertThat(m.base().name()).isEqualTo("my app.aof.1.base.rdb");
        assertThat(m.incrs()).extracting(AofManifest.Entry::name).containsExactly("it's.incr.aof", "A\n.incr.aof");
        assertThat(m.incrs().get(1).line()).isEqualTo(4);
        // what Redis writes back: names that need it quoted with sdscatrepr
        assertThat(m.format()).isEqualTo("file \"my app.aof.1.base.rdb\" seq 1 type b\n"
                + "file \"it's.incr.aof\" seq 1 type i\n" // Redis would write it bare, and then reject it
                + "file \"A\\n.incr.aof\" seq 2 type i\n");
        assertThat(AofManifest.parse(m.format().getBytes(StandardCharsets.UTF_8), dir.resolve("m")).entries())
                .extracting(AofManifest.Entry::name).containsExactly("my app.aof.1.base.rdb", "it's.incr.aof", "A\n.incr.aof");
    }

    @Test
    void rejectsWhatRedisRejectsWithTheLineNumber() {
        assertRejected("", 0, "empty");
        assertRejected("file a seq 1 type b\nfile b seq 2 type b\n", 2, "a second base file");
        assertRejected("file a seq 2 type i\n# c\nfile b seq 2 type i\n", 3, "must strictly increase");
        assertRejected("file a seq 1 type i\nfile b seq -5 type i\n", 2, "must strictly increase");
        assertRejected("file dir/a seq 1 type b\n", 1, "is a path");
        assertRejected("file ..\\a seq 1 type b\n", 1, "is a path");
        assertRejected("file a seq 1 type x\n", 1, "unknown file type 'x'");
        assertRejected("file a seq 0 type b\n", 1, "a non-zero 'seq <n>'");
        assertRejected("file a seq abc type b\n", 1, "a non-zero 'seq <n>'");
        assertRejected("name a seq 1 type b\n", 1, "missing 'file <name>'");
        assertRejected("file a seq 1 type\n", 1, "found 5 token(s)");
        assertRejected("file a seq 1\n", 1, "found 4 token(s)");
        assertRejected("file \"a seq 1 type b\n", 1, "unbalanced quotes");
        assertRejected("file \"a\"b seq 1 type b\n", 1, "closing quote");
        assertRejected("file a seq 1 type b\n\nfile b seq 1 type i\n", 2, "an empty line");
        assertRejected("file a seq 1 type b", 1, "does not end with a newline");
        assertRejected("file " + "x".repeat(1100) + " seq 1 type b\n", 1, "Redis reads at most 1023");
    }

    @Test
    void aManifestOfOnlyCommentsListsNothing() throws Exception {
        AofManifest m = parse("# nothing here\n# still nothing");
        assertThat(m.entries()).isEmpty();
        assertThat(m.loadOrder()).isEmpty();
    }

    @Test
    void verifyFilesFindsMissingAndMisnamedFiles() throws Exception {
        Files.write(dir.resolve("a.base.rdb"), "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("a.1.incr.aof"), "REDIS0011".getBytes(StandardCharsets.US_ASCII));
        Files.write(dir.resolve("a.2.incr.aof"), "hello".getBytes(StandardCharsets.US_ASCII));
        Files.createDirectory(dir.resolve("a.4.incr.aof"));
        Files.write(dir.resolve("a.5.incr.aof"), new byte[0]);
        AofManifest m = parse("file a.base.rdb seq 1 type b\nfile old.aof seq 1 type h\nfile a.1.incr.aof seq 1 type i\n"
                + "file a.2.incr.aof seq 2 type i\nfile a.3.incr.aof seq 3 type i\nfile a.4.incr.aof seq 4 type i\n"
                + "file a.5.incr.aof seq 5 type i\n");
        List<AofManifest.Status> statuses = m.verifyFiles().stream().map(AofManifest.FileCheck::status)
                .collect(Collectors.toList());
        assertThat(statuses).containsExactly(AofManifest.Status.NOT_RDB, AofManifest.Status.HISTORY,
                AofManifest.Status.UNEXPECTED_RDB, AofManifest.Status.NOT_RESP, AofManifest.Status.MISSING,
                AofManifest.Status.NOT_A_FILE, AofManifest.Status.OK);
        assertThat(m.verifyFiles().get(4).fatal()).isTrue();
        assertThat(m.verifyFiles().get(4).message()).contains("line 5", "refuses to start");
        assertThat(m.verifyFiles().get(1).message()).contains("already deleted");
    }

    @Test
    void recognisesAManifestTheWayRedisCheckAofDoes() throws Exception {
        Path manifest = dir.resolve("x");
        Files.writeString(manifest, "# comment\nfile a seq 1 type b\n");
        assertThat(AofManifest.looksLikeManifest(manifest)).isTrue();
        Files.writeString(manifest, "*1\r\n$4\r\nfile\r\n");
        assertThat(AofManifest.looksLikeManifest(manifest)).isFalse();
    }
}
