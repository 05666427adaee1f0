package io.github.segmenttotango.state;

import java.util.List;

/**
 * Where dead letters are kept: it writes, reads, pages and expires {@link DeadLetter} records, and
 * knows nothing of where they came from. {@link DeadLetterFiles} keeps them on the data disk;
 * {@link DeadLetterTable} in the PostgreSQL that the instances of cluster mode share.
 */
public interface DeadLetterStore {

    /** A page of records, oldest first, of one reason (all when null), and how many there are in all. */
    record Page(long total, List<DeadLetter> items) {
    }

    /** Keeps a record, durably, before it returns. */
    void write(DeadLetter letter);

    /** One record; null when there is none (any more) with that id. */
    DeadLetter load(String id);

    /** Deletes one record; false when there is none with that id. */
    boolean delete(String id);

    /** A page of records of one reason (all when null or blank), oldest first. */
    Page page(String reason, long offset, int limit);

    /**
     * A page of the records of one reason (all when null or blank) kept from {@code since} (epoch
     * millis, inclusive; null: any) until {@code until} (exclusive; null: any), oldest first.
     */
    Page page(String reason, Long since, Long until, long offset, int limit);

    /** The ids of the records of one reason (all when null), oldest first: a page of them. */
    List<String> ids(String reason, long offset, int limit);

    /** Drops the records older than the retention; returns how many. */
    int expire();

    /** The bytes the records take now. */
    long bytes();
}
