package io.github.segmenttotango.delivery;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UserLanesTest {

    @Test
    void aUsersMessagesGoOneAtATimeInOrderOthersAtOnce() {
        UserLanes<String> lanes = new UserLanes<>();
        assertTrue(lanes.add("ann", "ann-1"), "the first of a lane goes at once");
        assertFalse(lanes.add("ann", "ann-2"), "the next waits for it");
        assertFalse(lanes.add("ann", "ann-3"));
        assertTrue(lanes.add("bob", "bob-1"), "another user's goes beside it");
        assertEquals("ann-2", lanes.delivered("ann"));
        assertEquals("ann-3", lanes.delivered("ann"));
        assertNull(lanes.delivered("ann"), "the lane is empty");
        assertTrue(lanes.add("ann", "ann-4"), "and a new message of the user goes at once");
    }

    @Test
    void aFailedMessageStaysFirstAndItsFailuresAreCountedUntilItIsDelivered() {
        UserLanes<String> lanes = new UserLanes<>();
        lanes.add("ann", "ann-1");
        lanes.add("ann", "ann-2");
        assertEquals(1, lanes.failed("ann"));
        assertEquals(2, lanes.failed("ann"));
        assertEquals("ann-2", lanes.delivered("ann"), "ann-1, delivered at last, lets ann-2 go");
        assertEquals(1, lanes.failed("ann"), "a new message's failures count from one");
    }
}
