package io.mqttreplicator.health;

import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.ConnectionEvent;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.ReplicationManager;
import io.mqttreplicator.replication.ReplicationObserver;
import io.smallrye.health.api.HealthGroup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Default;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

/**
 * The health group {@value #GROUP} ({@code /q/health/group/brokers}): DOWN while a broker of a
 * running replication is not connected, naming each such broker with its state, address and last
 * error. Deliberately neither liveness nor readiness: a broker that is down is the broker's
 * problem, and restarting the replicator or taking it out of service would not bring it back.
 * Addresses and errors carry no credentials (see {@link ConnectionEvent}).
 */
@HealthGroup(BrokerConnectionsHealth.GROUP)
// @HealthGroup/@Readiness are qualifiers: @Default keeps it among the manager's ReplicationObservers
@Default
@ApplicationScoped
public class BrokerConnectionsHealth implements HealthCheck, ReplicationObserver {

    public static final String GROUP = "brokers";
    public static final String NAME = "broker-connections";

    private final ReplicationManager manager;
    private final Set<String> replications = ConcurrentHashMap.newKeySet();

    BrokerConnectionsHealth(ReplicationManager manager) {
        this.manager = manager;
    }

    @Override
    public void applied(ReplicationDefinition definition) {
        replications.add(definition.name());
    }

    @Override
    public void removed(String replication) {
        replications.remove(replication);
    }

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder response = HealthCheckResponse.named(NAME).up();
        int connected = 0;
        int total = 0;
        for (String replication : new TreeSet<>(replications)) {
            Map<String, BrokerChannel> channels = manager.channels(replication).orElse(Map.of());
            for (BrokerChannel channel : channels.values()) {
                ConnectionEvent status = channel.status();
                total++;
                if (status.state() == ConnectionState.CONNECTED) {
                    connected++;
                } else {
                    response.down().withData(replication + "/" + status.broker(), describe(status));
                }
            }
        }
        return response.withData("connected", connected + "/" + total).build();
    }

    /** For example {@code Disconnected at mqtt://host:1883 since 2026-01-01T10:00:00Z: connection refused}. */
    static String describe(ConnectionEvent status) {
        String state = status.state().name();
        StringBuilder text = new StringBuilder(state.charAt(0) + state.substring(1).toLowerCase(Locale.ROOT));
        status.address().ifPresent(address -> text.append(" at ").append(address));
        text.append(" since ").append(status.since());
        status.error().ifPresent(error -> text.append(": ").append(error));
        return text.toString();
    }
}
