package io.github.segmenttotango.delivery;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Counts the attempts of a Totango call in the exchange property {@code deliveryAttempts}: Camel
 * calls it before each redelivery, and its own redelivery headers are gone by the time a call
 * becomes a dead letter.
 */
public class CountDeliveryAttempts implements Processor {

    public static final String ATTEMPTS = "deliveryAttempts";

    @Override
    public void process(Exchange exchange) {
        Integer attempts = exchange.getProperty(ATTEMPTS, 1, Integer.class);
        exchange.setProperty(ATTEMPTS, attempts + 1);
    }
}
