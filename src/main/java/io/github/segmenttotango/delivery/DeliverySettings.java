package io.github.segmenttotango.delivery;

/**
 * How calls go to Totango: at most {@code maxInFlight} waiting for an answer at once, at most
 * {@code maxCallsPerSecond} started per second (0: no rate), and {@code readAheadBytes} of the
 * delivery queue held in memory so that many users' calls are in flight together.
 */
public record DeliverySettings(int maxInFlight, int maxCallsPerSecond, long readAheadBytes) {
}
