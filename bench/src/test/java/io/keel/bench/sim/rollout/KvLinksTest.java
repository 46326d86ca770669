package io.keel.bench.sim.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class KvLinksTest {
    @Test
    void transfersSharingASourceOrADestinationQueueAndOthersOverlap() {
        KvLinks links = new KvLinks(4);
        assertEquals(3.0, links.book(0, 1, 1.0, 2.0));
        assertEquals(3.0, links.end(0, 1, 1.0, 2.0) - 2.0, "end does not book: still queued behind the first only");
        assertEquals(5.0, links.book(0, 2, 1.5, 2.0), "same source: starts when the first ends");
        assertEquals(4.0, links.book(3, 1, 1.0, 1.0), "same destination: starts when the first ends");
        assertEquals(2.0, links.book(2, 3, 1.0, 1.0), "instance 2 receives, 3 sends: neither side is busy");
        assertEquals(9.0, links.book(1, 0, 9.0 - 0.5, 0.5), "a link free before now starts now");
        assertEquals(10.0, links.book(3, 0, 2.0, 1.0), "0 receives until 9");
    }
}
