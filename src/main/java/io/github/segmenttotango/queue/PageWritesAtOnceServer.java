package io.github.segmenttotango.queue;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.paging.PagingStoreFactory;
import org.apache.activemq.artemis.core.paging.impl.PagingStoreFactoryNIO;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager;

/**
 * Artemis' server, whose paged messages go to their page file's writer at once instead of through
 * its scheduler. Artemis hands each message to be paged to the page store's writer
 * ({@code PageTimedWriter}) through the scheduled pool, after {@code page-sync-timeout}: a scheduled
 * thread wakes, then hands the write to a paging thread, which writes and syncs all the messages that
 * wait. With a timeout of 0 the scheduled thread's turn is a hand-over only, and an expensive one on a
 * busy machine: the paging stores get a scheduler on which a task due now runs in the thread that asks
 * for it, where it only books the write on the paging thread. The syncs still group: the messages that
 * come while a page sync runs are written and synced together after it. A/B in one process, the mode
 * switched every 5 s (bench/README.md): single events over 8 connections about a third faster, batches
 * of 10 about 15%.
 *
 * <p>Everything else of the paging stores' scheduler (a task due later, periodic ones) is the server's
 * scheduled pool, as without this.
 */
final class PageWritesAtOnceServer extends ActiveMQServerImpl {

    PageWritesAtOnceServer(Configuration configuration, ActiveMQSecurityManager security) {
        super(configuration, security);
        if (configuration.getPageSyncTimeout() != 0) {
            throw new IllegalArgumentException("page writes start at once: page-sync-timeout must be 0, not "
                    + configuration.getPageSyncTimeout());
        }
    }

    @Override
    protected PagingStoreFactory getPagingStoreFactory() throws Exception {
        Configuration configuration = getConfiguration();
        return new PagingStoreFactoryNIO(getStorageManager(), configuration.getPagingLocation(),
                configuration.getPageSyncTimeout(), new DueNowInCaller(getScheduledPool()), pageExecutorFactory,
                configuration.isJournalSyncNonTransactional(), ioCriticalErrorListener, configuration::isPurgePageFolders);
    }

    /** A scheduler that runs a task due now in the caller's thread, and hands everything else to the pool. */
    static final class DueNowInCaller extends AbstractExecutorService implements ScheduledExecutorService {

        private final ScheduledExecutorService pool;

        DueNowInCaller(ScheduledExecutorService pool) {
            this.pool = pool;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
            if (delay > 0) {
                return pool.schedule(task, delay, unit);
            }
            task.run();
            return Ran.INSTANCE;
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> task, long delay, TimeUnit unit) {
            return pool.schedule(task, delay, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
            return pool.scheduleAtFixedRate(task, initialDelay, period, unit);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long initialDelay, long delay, TimeUnit unit) {
            return pool.scheduleWithFixedDelay(task, initialDelay, delay, unit);
        }

        @Override
        public void execute(Runnable task) {
            pool.execute(task);
        }

        /** The pool is the server's: it shuts it down, not its paging stores. */
        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return pool.isShutdown();
        }

        @Override
        public boolean isTerminated() {
            return pool.isTerminated();
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
            return pool.awaitTermination(timeout, unit);
        }
    }

    /** The future of a task that already ran. */
    private static final class Ran implements ScheduledFuture<Object> {

        static final Ran INSTANCE = new Ran();

        @Override
        public long getDelay(TimeUnit unit) {
            return 0;
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(0, other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean isDone() {
            return true;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
