package io.github.segmenttotango.queue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.api.core.TransportConfiguration;
import org.apache.activemq.artemis.core.remoting.impl.invm.TransportConstants;
import org.apache.activemq.artemis.api.core.client.ActiveMQClient;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.paging.PagingStore;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.settings.impl.AddressFullMessagePolicy;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.activemq.artemis.core.settings.impl.PageFullMessagePolicy;
import org.apache.activemq.artemis.spi.core.security.ActiveMQJAASSecurityManager;
import org.apache.camel.support.service.ServiceSupport;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The durable queues of the bundle (accepted events, and Totango calls): an embedded ActiveMQ
 * Artemis broker, reached in-VM only, whose journal lives in {@code <data-dir>/queue} and is forced to
 * disk before a send returns, so an acknowledged event survives {@code kill -9}. At most
 * {@link #MEMORY_BYTES} of each queue's backlog stays in memory, the rest is paged to disk; an address
 * refuses new messages past {@code maxBytes} paged (and when the disk is {@code maxDiskUsage}% full):
 * ingest then answers 503.
 *
 * <p>A Camel service, so it starts before the routes and stops after them.
 */
public class EmbeddedQueueBroker extends ServiceSupport {

    /** In-VM server ids are per JVM: each broker (tests start several) takes its own. */
    private static final AtomicInteger SERVER_IDS = new AtomicInteger();

    /** The part of the backlog kept in memory; beyond it, messages are paged to disk. */
    static final long MEMORY_BYTES = 16L << 20;
    private static final long PAGE_FILE_BYTES = 10L << 20;
    private static final int SERVER_THREADS = 8;
    private static final int CLIENT_THREADS = 4;
    private static final int PAGE_IO_THREADS = 3;
    /**
     * Group commit in the journal: the syncs of concurrent sends are batched, and a lone send waits at
     * most this long (nanoseconds) for others to join its sync. (The page files' syncs group without a
     * wait: {@link PageWritesAtOnceServer}.) Short: the events
     * queue's writer has a second message on its way only once it is half full, so a message of a few
     * small requests is mostly alone and waits the whole time (A/B, single events over 8 connections,
     * routing off, three rounds: 5,926 requests/s against 5,018 at 100 µs; batches of 10 no clear change).
     */
    private static final int SYNC_WAIT_NANOS = 60_000;

    private final int serverId = SERVER_IDS.getAndIncrement();
    private final String inVmUrl = "vm://" + serverId;
    private final Path folder;
    private final List<String> orderedQueues;
    private final long maxBytes;
    private final int maxDiskUsage;
    private ActiveMQServer broker;

    /** @param orderedQueues queues whose messages must stay in order even when a taking is rolled back (null: none) */
    public EmbeddedQueueBroker(Path folder, long maxBytes, int maxDiskUsage, String... orderedQueues) {
        this.orderedQueues = Arrays.stream(orderedQueues).filter(Objects::nonNull).toList();
        this.folder = folder;
        this.maxBytes = maxBytes;
        this.maxDiskUsage = maxDiskUsage;
    }

    @Override
    protected void doStart() throws Exception {
        // the in-VM connections' and the JMS clients' threads (8 per core by default), set before the first connection
        ActiveMQClient.setGlobalThreadPoolProperties(CLIENT_THREADS, 2, 2);
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .setJournalType(JournalType.NIO)
                // threads: Artemis sizes its pools for a server of many clients (30, and 5 scheduled);
                // here its only clients are the bundle's own few readers and writers
                .setThreadPoolMaxSize(SERVER_THREADS)
                .setScheduledThreadPoolMaxSize(2)
                // the pool of its disk completions and page reads (5 by default, one thread each),
                // and no critical analyzer thread (it only logs a journal that stalls): the bundle
                // stays within its thread budget (docs/performance.md) with several sends in flight
                .setPageMaxConcurrentIO(PAGE_IO_THREADS)
                .setCriticalAnalyzer(false)
                // nothing here listens to the broker's management notifications, and the one for a
                // closed session is sent later on another thread: for a session closed just before the
                // broker stops, after its journal had stopped (a WARN and a stack trace at shutdown)
                .setSuppressSessionNotifications(true)
                .setJournalSyncTransactional(true)
                .setJournalSyncNonTransactional(true)
                .setJournalBufferTimeout_NIO(SYNC_WAIT_NANOS)
                // messages paged to disk too, their write started at once (PageWritesAtOnceServer; Artemis's
                // default waits 3.3 ms before each page sync)
                .setPageSyncTimeout(0)
                .setJournalDirectory(folder.resolve("journal").toString())
                .setBindingsDirectory(folder.resolve("bindings").toString())
                .setPagingDirectory(folder.resolve("paging").toString())
                .setLargeMessagesDirectory(folder.resolve("large-messages").toString())
                .setMaxDiskUsage(maxDiskUsage)
                // the in-VM acceptor on a bounded pool (Artemis gives it an unbounded one)
                .addAcceptorConfiguration(new TransportConfiguration(BoundedInVmAcceptorFactory.class.getName(),
                        Map.of(TransportConstants.SERVER_ID_PROP_NAME, serverId), "in-vm"))
                // at most MEMORY_BYTES of the backlog in the heap; the rest is paged to disk, up to maxBytes
                .setGlobalMaxSize(2 * Math.min(maxBytes, MEMORY_BYTES))
                .addAddressSetting("#", addressSettings(1000L));
        for (String queue : orderedQueues) {
            // a taking rolled back (or not acknowledged when its reader closes) goes back to the head
            // of the queue at once: nothing passes it
            config.addAddressSetting(queue, addressSettings(0L));
        }
        broker = new PageWritesAtOnceServer(config, new ActiveMQJAASSecurityManager());
        broker.start();
    }

    private AddressSettings addressSettings(long redeliveryDelayMillis) {
        return new AddressSettings()
                .setMaxSizeBytes(Math.min(maxBytes, MEMORY_BYTES))
                .setAddressFullMessagePolicy(AddressFullMessagePolicy.PAGE)
                .setPageSizeBytes((int) Math.max(1024, Math.min(PAGE_FILE_BYTES, maxBytes / 10)))
                .setPageLimitBytes(maxBytes)
                .setPageFullMessagePolicy(PageFullMessagePolicy.FAIL)
                .setMaxDeliveryAttempts(-1)
                .setDeadLetterAddress(SimpleString.of("DLQ"))
                .setExpiryAddress(SimpleString.of("ExpiryQueue"))
                .setRedeliveryDelay(redeliveryDelayMillis)
                .setAutoCreateQueues(true)
                .setAutoCreateAddresses(true);
    }

    /** The running broker, for the senders that route into it ({@link InBrokerQueueSender}). */
    ActiveMQServer server() {
        if (broker == null || !broker.isStarted()) {
            throw new IllegalStateException("the queue broker is not running");
        }
        return broker;
    }

    /** The URL clients of this JVM reach the broker at. */
    public String inVmUrl() {
        return inVmUrl;
    }

    /** Messages waiting in a queue (0 when it does not exist yet). */
    public long backlog(String queue) {
        if (broker == null || !broker.isStarted()) {
            return 0;
        }
        Queue found = broker.locateQueue(SimpleString.of(queue));
        return found == null ? 0 : found.getMessageCount();
    }

    /** Bytes of the messages waiting in a queue, in memory and paged (0 when it does not exist yet). */
    public long sizeBytes(String queue) {
        if (broker == null || !broker.isStarted()) {
            return 0;
        }
        Queue found = broker.locateQueue(SimpleString.of(queue));
        return found == null ? 0 : found.getPersistentSize();
    }

    /**
     * Whether a queue takes no more messages: its page files reached {@code maxBytes}, and the broker
     * refuses each send until the reader has taken some (false when it does not exist yet).
     */
    public boolean full(String queue) {
        if (queue == null || broker == null || !broker.isStarted()
                || broker.getPagingManager() == null) {
            return false;
        }
        try {
            PagingStore store = broker.getPagingManager().getPageStore(SimpleString.of(queue));
            return store != null && store.isPageFull();
        } catch (Exception e) {
            return false;
        }
    }

    /** The bytes a queue pages to disk before it refuses messages ({@code delivery.queue.max-bytes}). */
    public long maxBytes() {
        return maxBytes;
    }

    @Override
    protected void doStop() throws Exception {
        if (broker != null) {
            broker.stop();
            BoundedInVmAcceptorFactory.shutdown(serverId);
        }
    }

    /** The names of this broker's in-VM acceptor threads start with this. */
    String acceptorThreadPrefix() {
        return BoundedInVmAcceptorFactory.threadPrefix(serverId);
    }
}
