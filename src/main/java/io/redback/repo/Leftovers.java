package io.redback.repo;

import io.redback.storage.Storage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What compaction leaves behind for a while in a timeline folder: the segments a merged segment
 * covers (superseded: their manifests, then their data objects), and data objects without a
 * manifest whose offsets lie within a kept segment (an interrupted compaction deleted their
 * manifests already). Readers ignore all of them; deleting them in the order listed is safe at
 * any time, also while a stream appends, because a stream's upload in progress lies after every
 * committed segment, never within one.
 */
final class Leftovers {
    private Leftovers() {
    }

    /** The leftovers of timeline t among the objects of its folder, manifests first. */
    static List<Storage.ObjectInfo> of(Timeline t, List<Storage.ObjectInfo> folder) {
        Set<String> superseded = new HashSet<>();
        t.superseded().forEach(s -> superseded.add(Layout.segmentName(s.startOffset(), s.endOffset())));
        Set<String> withManifest = new HashSet<>();
        for (Storage.ObjectInfo o : folder) {
            segment(o).filter(Layout.SegmentObject::isManifest).ifPresent(s -> withManifest.add(s.name()));
        }
        List<Storage.ObjectInfo> manifests = new ArrayList<>();
        List<Storage.ObjectInfo> data = new ArrayList<>();
        for (Storage.ObjectInfo o : folder) {
            Optional<Layout.SegmentObject> s = segment(o);
            if (s.isEmpty()) {
                continue;
            }
            if (superseded.contains(s.get().name())) {
                (s.get().isManifest() ? manifests : data).add(o);
            } else if (!s.get().isManifest() && !withManifest.contains(s.get().name()) && covered(t, s.get())) {
                data.add(o);
            }
        }
        manifests.addAll(data);
        return manifests;
    }

    private static Optional<Layout.SegmentObject> segment(Storage.ObjectInfo o) {
        return Layout.parseTimelineKey(o.key()).flatMap(Layout.TimelineKey::segment);
    }

    /** Whether a kept segment holds all of s's offsets (kept segments are in offset order). */
    private static boolean covered(Timeline t, Layout.SegmentObject s) {
        List<SegmentManifest> kept = t.segments();
        int lo = 0;
        int hi = kept.size() - 1;
        int found = -1;
        while (lo <= hi) { // the last kept segment starting at or before s
            int mid = (lo + hi) >>> 1;
            if (kept.get(mid).startOffset() <= s.startOffset()) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) {
            return false;
        }
        SegmentManifest k = kept.get(found);
        return s.endOffset() <= k.endOffset();
    }
}
