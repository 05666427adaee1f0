package io.github.segmenttotango.delivery;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Which offsets of the partitions of the calls topic may be committed: up to the first record taken
 * and not finished (delivered, or kept as dead letters), never past it, whatever finished after it.
 * One instance per reader, used by its thread only.
 *
 * @param <P> a partition
 */
public final class PartitionOffsets<P> {

    private static final class Partition {
        private final TreeSet<Long> pending = new TreeSet<>();
        private long next = -1;
        private long committed = -1;
    }

    private final Map<P, Partition> partitions = new HashMap<>();

    /** A record was taken, to be finished later. */
    public void taken(P partition, long offset) {
        Partition of = partitions.computeIfAbsent(partition, key -> new Partition());
        of.pending.add(offset);
        of.next = Math.max(of.next, offset + 1);
    }

    /** A record was finished; false when its partition is no longer this reader's (the finish is not counted). */
    public boolean finished(P partition, long offset) {
        Partition of = partitions.get(partition);
        return of != null && of.pending.remove(offset);
    }

    /**
     * The offsets to commit now, those that moved since the last {@link #committed}: the first record
     * not finished, or the one after the last taken when all are.
     */
    public Map<P, Long> toCommit() {
        Map<P, Long> commits = new HashMap<>();
        partitions.forEach((partition, of) -> {
            long upTo = of.pending.isEmpty() ? of.next : of.pending.first();
            if (upTo > of.committed && upTo >= 0) {
                commits.put(partition, upTo);
            }
        });
        return commits;
    }

    /** These offsets were committed. */
    public void committed(Map<P, Long> offsets) {
        offsets.forEach((partition, offset) -> {
            Partition of = partitions.get(partition);
            if (of != null) {
                of.committed = Math.max(of.committed, offset);
            }
        });
    }

    /** The partition is no longer this reader's: what it took and did not finish is another's to deliver. */
    public void forget(P partition) {
        partitions.remove(partition);
    }
}
