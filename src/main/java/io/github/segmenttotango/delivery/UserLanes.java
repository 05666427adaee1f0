package io.github.segmenttotango.delivery;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * One lane per user: the messages taken off the delivery queue and not finished, in order. The first
 * of a lane is in delivery, the others wait for it; a failed one stays first and is tried again.
 *
 * @param <M> a message
 */
final class UserLanes<M> {

    private final Map<String, Queue<M>> lanes = new HashMap<>();
    private final Map<String, Integer> failures = new HashMap<>();

    /** Adds a message to its user's lane; true when it is first, to deliver now. */
    synchronized boolean add(String user, M message) {
        Queue<M> lane = lanes.computeIfAbsent(user, key -> new ArrayDeque<>());
        lane.add(message);
        return lane.size() == 1;
    }

    /** The first message of the user's lane is finished: the next one to deliver, or null when the lane is empty. */
    synchronized M delivered(String user) {
        Queue<M> lane = lanes.get(user);
        lane.poll();
        failures.remove(user);
        if (lane.isEmpty()) {
            lanes.remove(user);
            return null;
        }
        return lane.peek();
    }

    /** The first message of the user's lane failed: how many times in a row it has now (it stays first). */
    synchronized int failed(String user) {
        return failures.merge(user, 1, Integer::sum);
    }
}
