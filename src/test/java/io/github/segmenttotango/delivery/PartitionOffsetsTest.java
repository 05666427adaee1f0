package io.github.segmenttotango.delivery;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PartitionOffsetsTest {

    @Test
    void aPartitionIsCommittedUpToItsFirstRecordNotFinished() {
        PartitionOffsets<String> offsets = new PartitionOffsets<>();
        offsets.taken("p0", 10);
        offsets.taken("p0", 11);
        offsets.taken("p0", 12);
        offsets.taken("p1", 5);
        assertEquals(Map.of("p0", 10L, "p1", 5L), offsets.toCommit(), "nothing finished: the first taken of each");
        offsets.committed(offsets.toCommit());

        assertTrue(offsets.finished("p0", 12));
        assertEquals(Map.of(), offsets.toCommit(), "12 finished but 10 and 11 not: the offset stays at 10");
        assertTrue(offsets.finished("p0", 10));
        assertEquals(Map.of("p0", 11L), offsets.toCommit());
        assertTrue(offsets.finished("p0", 11));
        assertTrue(offsets.finished("p1", 5));
        assertEquals(Map.of("p0", 13L, "p1", 6L), offsets.toCommit(), "all finished: past the last taken");
        offsets.committed(offsets.toCommit());
        assertEquals(Map.of(), offsets.toCommit(), "committed: nothing moved since");
    }

    @Test
    void aForgottenPartitionCountsNoMoreFinishes() {
        PartitionOffsets<String> offsets = new PartitionOffsets<>();
        offsets.taken("p0", 3);
        offsets.forget("p0");
        assertFalse(offsets.finished("p0", 3), "the partition went to another instance");
        assertEquals(Map.of(), offsets.toCommit());
        offsets.taken("p0", 3);
        assertEquals(Map.of("p0", 3L), offsets.toCommit(), "taken again after it came back: from the record again");
    }
}
