package io.github.segmenttotango.queue;

import org.apache.activemq.artemis.core.remoting.impl.invm.InVMAcceptorFactory;
import org.apache.activemq.artemis.core.remoting.impl.invm.TransportConstants;
import org.apache.activemq.artemis.core.server.cluster.ClusterConnection;
import org.apache.activemq.artemis.core.server.metrics.MetricsManager;
import org.apache.activemq.artemis.spi.core.protocol.ProtocolManager;
import org.apache.activemq.artemis.spi.core.remoting.Acceptor;
import org.apache.activemq.artemis.spi.core.remoting.BufferHandler;
import org.apache.activemq.artemis.spi.core.remoting.ServerConnectionLifeCycleListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Artemis' in-VM acceptor, on a pool of at most {@link #THREADS} threads instead of the broker's
 * remoting pool, which is unbounded (a cached pool: under a burst it starts a thread for each packet that
 * finds its threads busy, for the bundle's handful of in-VM connections). Each connection runs its packets
 * in order on an ordered executor over this pool, so it needs one thread at a time at most, and no packet
 * waits for another connection's.
 * Idle threads end after a minute; the pool ends with its broker ({@link #shutdown(Object)}). Named in the
 * broker's acceptor configuration (Artemis builds it), which gives it the broker's server id.
 */
public class BoundedInVmAcceptorFactory extends InVMAcceptorFactory {

    static final int THREADS = 4;
    private static final Map<String, ThreadPoolExecutor> POOLS = new ConcurrentHashMap<>();

    @Override
    public Acceptor createAcceptor(String name, ClusterConnection clusterConnection, Map<String, Object> configuration,
            BufferHandler handler, ServerConnectionLifeCycleListener listener, Executor threadPool,
            ScheduledExecutorService scheduledThreadPool, Map<String, ProtocolManager> protocolMap, String threadFactoryGroupName,
            MetricsManager metricsManager) {
        String serverId = String.valueOf(configuration.getOrDefault(TransportConstants.SERVER_ID_PROP_NAME, 0));
        ThreadPoolExecutor pool = boundedPool(threadPrefix(serverId));
        ThreadPoolExecutor before = POOLS.put(serverId, pool);
        if (before != null) {
            before.shutdown();
        }
        return super.createAcceptor(name, clusterConnection, configuration, handler, listener, pool, scheduledThreadPool,
                protocolMap, threadFactoryGroupName, metricsManager);
    }

    /** The names of a broker's acceptor threads start with this. */
    static String threadPrefix(Object serverId) {
        return "queue-in-vm-" + serverId + "-";
    }

    /** Ends the pool of a broker's acceptor once the broker has stopped (its threads finish their last packets). */
    static void shutdown(Object serverId) {
        ThreadPoolExecutor pool = POOLS.remove(String.valueOf(serverId));
        if (pool != null) {
            pool.shutdown();
        }
    }

    private static ThreadPoolExecutor boundedPool(String prefix) {
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(THREADS, THREADS, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
            Thread thread = new Thread(task, prefix + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
