package io.github.segmenttotango.routing;

import io.github.segmenttotango.state.ParkedEvents;

import org.apache.camel.Variable;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The parked events a batch of queued events released (the variable {@code releasedParkedEvents} of
 * the reader's exchange, which the split's copies share): they stay parked until the batch's calls
 * are queued, then the reader forgets them. A second group call for the same user within the batch
 * does not release them again.
 *
 * <p>Not a job for the split's aggregation strategy: the events routed later in the batch must see
 * what the earlier ones released while the split runs, not once it is done.
 */
public final class ReleasedParkedEvents implements ParkedEvents.Releases {

    private final Set<Long> released = new LinkedHashSet<>();

    /** None yet: a batch's start. */
    public static ReleasedParkedEvents none() {
        return new ReleasedParkedEvents();
    }

    /** The parked events released by the batch, to forget once its calls are queued (none when there was no batch). */
    public static List<Long> idsIn(@Variable("releasedParkedEvents") ReleasedParkedEvents batch) {
        return batch == null ? List.of() : batch.ids();
    }

    @Override
    public synchronized Set<Long> release(Collection<Long> parkedEventIds) {
        Set<Long> fresh = new LinkedHashSet<>();
        for (Long id : parkedEventIds) {
            if (released.add(id)) {
                fresh.add(id);
            }
        }
        return fresh;
    }

    /** The parked events released so far, in the order they were. */
    public synchronized List<Long> ids() {
        return List.copyOf(released);
    }
}
