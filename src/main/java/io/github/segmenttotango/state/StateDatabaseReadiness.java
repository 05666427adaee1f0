package io.github.segmenttotango.state;

import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * Readiness in cluster mode, at {@code /observe/health}: down while the PostgreSQL of the shared
 * state cannot be reached, so that a load balancer sends the requests to the instances that can.
 */
public final class StateDatabaseReadiness extends AbstractHealthCheck {

    private final StateDatabaseConnections connections;

    public StateDatabaseReadiness(StateDatabaseConnections connections) {
        super("segment-totango", "state-database");
        this.connections = connections;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        String unreachable = connections.unreachable();
        if (unreachable != null) {
            builder.down().message("The state database (" + connections.describe() + ") cannot be reached: " + unreachable);
            return;
        }
        builder.up();
    }
}
