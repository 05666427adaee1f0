package io.github.segmenttotango.queue;

import org.apache.camel.NamedNode;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.spi.TransactedPolicy;

/**
 * The {@code queueTransaction} of a delivery queue that is not JMS (Kafka, say): its producer
 * batches and acknowledges sends itself, so the steps run as they are.
 */
public final class WithoutTransaction implements TransactedPolicy {

    @Override
    public void beforeWrap(Route route, NamedNode definition) {
        // nothing to prepare
    }

    @Override
    public Processor wrap(Route route, Processor processor) {
        return processor;
    }
}
