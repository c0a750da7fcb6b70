package io.redback.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.redback.repo.RepositoryException;
import io.redback.repo.SegmentManifest;
import io.redback.check.RepositoryCheckReport.Kind;
import io.redback.check.RepositoryCheckReport.Problem;
import io.redback.testsupport.TimelineBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository check as a scheduled job would run it, without the command line: a shipped
 * timeline is clean, a lost segment is a gap, damage is found by reading, and what no reader
 * can use (segment manifests without their timeline, data without a manifest) is reported.
 */
@io.redback.testsupport.Fast
class RepositoryCheckTest {
    private static final Instant T0 = Instant.parse("2026-11-22T03:15:00Z");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-23T00:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path temp;

    /** A base snapshot and three segments of one command each. */
    private static SegmentManifest[] threeSegments(TimelineBuilder t) throws IOException {
        t.load("SET", "a", "1");
        t.baseSnapshot();
        SegmentManifest[] s = new SegmentManifest[3];
        for (int i = 0; i < 3; i++) {
            t.at(T0.plusSeconds(i + 1)).command("SET", "k" + i, "v" + i);
            s[i] = t.segment();
        }
        return s;
    }

    @Test
    void aShippedTimelineIsCleanAndReadingItReadsEveryObject() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(temp.resolve("repo"), "cache-1", T0)) {
            threeSegments(t);
            RepositoryCheck check = new RepositoryCheck(t.repository(), CLOCK);

            RepositoryCheckReport present = check.run(null, false);
            assertThat(present.clean()).isTrue();
            assertThat(present.readData()).isFalse();
            assertThat(present.bytesRead()).isZero();
            assertThat(present.checkedAt()).isEqualTo(CLOCK.instant());
            assertThat(present.sources()).singleElement().satisfies(s -> {
                assertThat(s.source()).isEqualTo("cache-1");
                assertThat(s.snapshots()).isEqualTo(1);
                assertThat(s.timelines()).hasSize(1);
                assertThat(s.segments()).isEqualTo(3);
                assertThat(s.notes()).isEmpty();
            });

            RepositoryCheckReport read = check.run("cache-1", true);
            assertThat(read.clean()).isTrue();
            assertThat(read.bytesRead()).isPositive();
        }
    }

    @Test
    void aRotatingShareReadsAboutItsShareEachRoundAndEveryObjectWithinTheRotation() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            keys.add("sources/cache-1/timelines/t" + (i / 100) + "/segments/" + i + ".aof.zst");
        }
        for (int percent : new int[] {10, 30, 100}) {
            int rounds = (100 + percent - 1) / percent;
            Set<String> read = new HashSet<>();
            for (int round = 0; round < rounds; round++) {
                RepositoryCheck.ReadData share = new RepositoryCheck.ReadData(percent, 7 + round);
                long n = keys.stream().filter(share::reads).count();
                assertThat(n).as("%d%% round %d", percent, round).isBetween(keys.size() * percent / 100 - 300L,
                        keys.size() * percent / 100 + 300L);
                keys.stream().filter(share::reads).forEach(read::add);
            }
            assertThat(read).as("%d%% after %d rounds", percent, rounds).hasSize(keys.size());
        }
        assertThat(keys).noneMatch(RepositoryCheck.ReadData.NONE::reads);
        assertThatThrownBy(() -> new RepositoryCheck.ReadData(101, 0)).hasMessageContaining("0% to 100%");
    }

    @Test
    void damageIsFoundByTheRoundWhoseShareHoldsIt() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(temp.resolve("repo"), "cache-1", T0)) {
            SegmentManifest[] s = threeSegments(t);
            flipLastByte(t.objectPath(s[1].object()));
            RepositoryCheck check = new RepositoryCheck(t.repository(), CLOCK);
            int found = 0;
            for (int round = 0; round < 4; round++) { // 25%: four rounds read everything once
                RepositoryCheck.ReadData share = new RepositoryCheck.ReadData(25, round);
                RepositoryCheckReport r = check.run("cache-1", share);
                assertThat(r.clean()).isEqualTo(!share.reads(s[1].object()));
                found += r.clean() ? 0 : 1;
            }
            assertThat(found).isEqualTo(1);
        }
    }

    @Test
    void aLostSegmentIsAGapAndDamageIsFoundOnlyByReading() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(temp.resolve("repo"), "cache-1", T0)) {
            t.load("SET", "a", "1");
            t.baseSnapshot();
            t.at(T0.plusSeconds(1)).command("SET", "b", "2");
            SegmentManifest first = t.segment();
            t.at(T0.plusSeconds(2)).command("SET", "c", "3");
            SegmentManifest lost = t.loseSegment();
            t.at(T0.plusSeconds(3)).command("SET", "d", "4");
            t.segment();
            flipLastByte(t.objectPath(first.object()));
            RepositoryCheck check = new RepositoryCheck(t.repository(), CLOCK);

            RepositoryCheckReport r = check.run(null, false);
            assertThat(r.clean()).isFalse();
            assertThat(r.problems()).singleElement().satisfies(p -> {
                assertThat(p.kind()).isEqualTo(Kind.GAP);
                assertThat(p.source()).isEqualTo("cache-1");
                assertThat(p.timeline()).isEqualTo(t.timelineId().toString());
                assertThat(p.message()).contains("offsets " + (lost.startOffset() + 1) + ".." + lost.endOffset()
                        + " missing").contains("restores of this timeline stop at offset " + lost.startOffset());
            });
            assertThat(Kind.GAP.advice()).startsWith("gap: ");

            RepositoryCheckReport read = check.run(null, true);
            assertThat(read.problems()).extracting(Problem::kind).containsExactly(Kind.GAP, Kind.DAMAGED);
            assertThat(read.problems().get(1).object()).isEqualTo(first.object());
        }
    }

    @Test
    void segmentManifestsWithoutTheirTimelineAreOrphansAndDataWithoutAManifestIsANote() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(temp.resolve("repo"), "cache-1", T0)) {
            SegmentManifest[] s = threeSegments(t);
            String folder = "sources/cache-1/timelines/" + t.timelineId() + "/";
            // An upload that stopped before its manifest.
            Path stray = t.objectPath(folder + "segments/" + String.format("%020d-%020d.aof", s[2].endOffset(),
                    s[2].endOffset() + 10));
            Files.write(stray, new byte[10]);
            RepositoryCheck check = new RepositoryCheck(t.repository(), CLOCK);

            RepositoryCheckReport r = check.run(null, false);
            assertThat(r.clean()).isTrue();
            assertThat(r.sources().get(0).notes()).singleElement().asString()
                    .startsWith("1 segment data object(s) without a manifest");

            Files.delete(t.objectPath(folder + "timeline.json"));
            RepositoryCheckReport orphaned = check.run(null, false);
            assertThat(orphaned.problems()).singleElement().satisfies(p -> {
                assertThat(p.kind()).isEqualTo(Kind.ORPHAN);
                assertThat(p.timeline()).isEqualTo(t.timelineId().toString());
                assertThat(p.message()).startsWith("3 segment manifest(s) under " + folder + "segments/ but no usable "
                        + "timeline.json there");
            });
        }
    }

    @Test
    void aDamagedManifestIsReportedUntilItIsRepairedAndEachRunReadsAfresh() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(temp.resolve("repo"), "cache-1", T0)) {
            threeSegments(t);
            String key = t.repository().manifestKey("cache-1", t.base().id());
            Path manifest = t.objectPath(key);
            byte[] good = Files.readAllBytes(manifest);
            Files.writeString(manifest, "{ torn");
            RepositoryCheck check = new RepositoryCheck(t.repository(), CLOCK);

            RepositoryCheckReport damaged = check.run(null, false);
            assertThat(damaged.problems()).singleElement().satisfies(p -> {
                assertThat(p.kind()).isEqualTo(Kind.DAMAGED);
                assertThat(p.object()).isEqualTo(key);
            });

            Files.write(manifest, good);
            assertThat(check.run(null, false).clean()).isTrue();
        }
    }

    @Test
    void aNamedSourceWithNothingInTheRepositoryIsAnError() throws IOException {
        try (TimelineBuilder t = TimelineBuilder.start(temp.resolve("repo"), "cache-1", T0)) {
            threeSegments(t);
            assertThatThrownBy(() -> new RepositoryCheck(t.repository(), CLOCK).run("sessions", false))
                    .isInstanceOf(RepositoryException.class)
                    .hasMessage("source sessions has no snapshots and no timelines in " + t.repository().describe()
                            + " (sources there: cache-1)");
        }
    }

    private static void flipLastByte(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[b.length - 1] ^= 0x01;
        Files.write(file, b);
    }
}
