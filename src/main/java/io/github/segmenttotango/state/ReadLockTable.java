package io.github.segmenttotango.state;

import org.apache.camel.CamelContext;
import org.apache.camel.processor.idempotent.jdbc.JdbcOrphanLockAwareIdempotentRepository;
import org.springframework.dao.ConcurrencyFailureException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import java.sql.Timestamp;
import java.time.Duration;

import javax.sql.DataSource;

/**
 * Read locks that several instances share, as rows of the {@code read_lock} table of the state's
 * PostgreSQL (created by {@code V2__read_lock.sql}): the idempotent repository of a file consumer's
 * clustered read lock ({@code readLock=idempotent-changed}), so that each file of a folder the
 * instances share is read by one of them at a time.
 *
 * <p>camel-sql's {@link JdbcOrphanLockAwareIdempotentRepository} does the work: a lock is a row, the
 * instance holding it refreshes its time every {@code keepAlive}, and a row not refreshed for
 * {@code maxAge} is an orphan (its instance died) that another instance may take. Two changes make a
 * taken orphan as safe as a new lock:
 * <ul>
 * <li>an orphan is deleted before the lock is looked up, so that taking it is the plain insert of a new
 *     row, which the holder then keeps alive (the base class updated the orphan's time instead, and
 *     never refreshed it again: after {@code maxAge} a third instance could take the same file);</li>
 * <li>the look-up and the insert run in one REPEATABLE READ transaction, so that of two instances that
 *     want the same file at the same moment one gets it and the other an error (the primary key, or
 *     PostgreSQL's serialization check), never both (under READ COMMITTED, a row committed between the
 *     base class's two queries made its insert an update that succeeded).</li>
 * </ul>
 * The instances' clocks must agree to well within {@code maxAge} (each writes its own time).
 */
public final class ReadLockTable extends JdbcOrphanLockAwareIdempotentRepository {

    static final String TABLE = "read_lock";
    private static final String DELETE_ORPHAN = "DELETE FROM " + TABLE + " WHERE processorName = ? AND messageId = ? AND createdAt < ?";

    /**
     * @param owner what the locks are of (a file consumer: one name per folder), the rows' processorName
     * @param maxAge how long a lock lives without being refreshed (its instance is then taken as dead)
     * @param keepAlive how often the locks this instance holds are refreshed; well below {@code maxAge}
     */
    public ReadLockTable(DataSource postgres, String owner, Duration maxAge, Duration keepAlive, CamelContext context) {
        super(postgres, repeatableRead(postgres), owner, context);
        if (keepAlive.isZero() || keepAlive.isNegative() || maxAge.compareTo(keepAlive.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("a lock's maximum age (" + maxAge + ") must be at least twice its keep-alive interval ("
                    + keepAlive + "), which must be positive");
        }
        setTableName(TABLE);
        setCreateTableIfNotExists(false);
        setLockMaxAgeMillis(maxAge.toMillis());
        setLockKeepAliveIntervalMillis(keepAlive.toMillis());
    }

    private static TransactionTemplate repeatableRead(DataSource postgres) {
        TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(postgres));
        transaction.setIsolationLevel(TransactionDefinition.ISOLATION_REPEATABLE_READ);
        return transaction;
    }

    /**
     * Takes the lock: false when another instance holds it, or took it at the same moment (its row's
     * key, or PostgreSQL's serialization check, refused this one). Other failures (PostgreSQL away)
     * are thrown, and the file consumer skips the file until its next poll.
     */
    @Override
    public boolean add(String key) {
        try {
            return super.add(key);
        } catch (DuplicateKeyException | ConcurrencyFailureException takenMeanwhile) {
            return false;
        }
    }

    /** Whether the lock is held (by a live instance): an orphan is deleted first, so that taking it inserts a new row. */
    @Override
    protected int queryForInt(String key) {
        Timestamp orphanedBefore = new Timestamp(System.currentTimeMillis() - getLockMaxAgeMillis());
        jdbcTemplate.update(DELETE_ORPHAN, processorName, key, orphanedBefore);
        Integer held = jdbcTemplate.queryForObject(getQueryString(), Integer.class, processorName, key);
        return held == null ? 0 : held;
    }
}
