package io.github.segmenttotango.support;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import java.time.Duration;

/**
 * How the end-to-end tests wait for the bundle: for a condition (Awaitility), checked at once and
 * then every 20 ms, never for a fixed time.
 */
public final class Wait {

    private Wait() {
    }

    /** Waits for a condition, for {@code patience} at most: {@code Wait.atMost(d).until(...)} or {@code .untilAsserted(...)}. */
    public static ConditionFactory atMost(Duration patience) {
        return Awaitility.await().atMost(patience).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                .pollInSameThread();
    }
}
