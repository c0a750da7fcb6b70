package io.redback.rdb;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The duplicate-member table: a duplicate is found within a key, never across a clear, whatever sizes came before. */
@io.redback.testsupport.Fast
class FingerprintsTest {
    @Test
    void duplicatesAreFoundWithinAKeyAndForgottenAtEachClear() {
        Fingerprints f = new Fingerprints();
        for (int members : new int[] {2000, 6, 6, 300, 1, 5000, 6, 64}) {
            f.clear();
            for (int i = 0; i < members; i++) {
                assertThat(f.add(Fingerprints.ofLong(i))).as("member %d of a key of %d", i, members).isTrue();
            }
            assertThat(f.add(Fingerprints.ofLong(members - 1))).as("a duplicate in a key of %d", members).isFalse();
            assertThat(f.contains(Fingerprints.ofLong(members))).isFalse();
        }
    }
}
