package io.mqttreplicator.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.ConnectionEvent;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.engine.EngineListener;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.ReplicationManager;
import io.mqttreplicator.replication.ReplicationObserver;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Gives every replication the manager runs its Micrometer meters (see {@link MeterNames}), the same
 * in operator and standalone mode: the engine's counts, timers and samples through an
 * {@link EngineListener}, and per broker a connection gauge that asks the manager at each scrape,
 * so it is right whatever order connection events of closed and new channels arrive in. A
 * replication's meters are removed with it, and those of its removed brokers and rules when it
 * changes.
 */
@ApplicationScoped
public class ReplicationMetrics implements ReplicationObserver {

    private final MeterRegistry registry;
    private final ReplicationManager manager;
    private final ConcurrentHashMap<String, ReplicationMeters> replications = new ConcurrentHashMap<>();

    ReplicationMetrics(MeterRegistry registry, ReplicationManager manager) {
        this.registry = registry;
        this.manager = manager;
    }

    @Override
    public EngineListener engineListener(String replication) {
        return meters(replication);
    }

    @Override
    public void applied(ReplicationDefinition definition) {
        ReplicationMeters meters = meters(definition.name());
        Set<String> brokers = definition.brokers().stream().map(BrokerSettings::name).collect(Collectors.toSet());
        Set<String> rules = definition.rules().stream().map(TopicRule::id).collect(Collectors.toSet());
        meters.retainOnly(brokers, rules);
        for (String broker : brokers) {
            meters.connectionGauge(broker, () -> connected(definition.name(), broker) ? 1 : 0);
            meters.brokerDroppedGauge(broker, () -> brokerDropped(definition.name(), broker));
        }
    }

    @Override
    public void connectionChanged(String replication, ConnectionEvent event) {
        event.ended().ifPresent(origin -> meters(replication).connectionEnded(event.broker(), origin.tag()));
    }

    @Override
    public void removed(String replication) {
        ReplicationMeters meters = replications.remove(replication);
        if (meters != null) {
            meters.close();
        }
    }

    private ReplicationMeters meters(String replication) {
        return replications.computeIfAbsent(replication, name -> new ReplicationMeters(registry, name));
    }

    private double brokerDropped(String replication, String broker) {
        return manager.channels(replication)
                .map(channels -> channels.get(broker))
                .map(channel -> (double) channel.brokerDroppedMessages())
                .filter(count -> count >= 0)
                .orElse(Double.NaN);
    }

    private boolean connected(String replication, String broker) {
        return manager.channels(replication)
                .map(channels -> channels.get(broker))
                .map(BrokerChannel::state)
                .filter(state -> state == ConnectionState.CONNECTED)
                .isPresent();
    }
}
