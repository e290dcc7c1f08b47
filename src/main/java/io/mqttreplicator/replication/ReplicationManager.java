package io.mqttreplicator.replication;

import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.BrokerEndpoint;
import io.mqttreplicator.engine.EngineOptions;
import io.mqttreplicator.engine.ReplicationEngine;
import io.mqttreplicator.engine.Subscription;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Runs replications. Both front ends (MQTTREP_* variables, MqttReplication resources) hand it a
 * {@link ReplicationDefinition}; it diffs the definition against what runs and changes only what
 * differs: an unchanged definition is a no-op, a changed topic rule keeps every broker connection,
 * a changed broker reconnects only that broker.
 *
 * <p>Applying never waits for a broker: connections are made in the background.
 */
@ApplicationScoped
public class ReplicationManager {

    private static final Logger LOG = Logger.getLogger(ReplicationManager.class);

    private final Map<String, RunningReplication> running = new HashMap<>();

    /** Starts the replication, or brings a running one with the same name to this definition. */
    public synchronized void apply(ReplicationDefinition definition) {
        RunningReplication current = running.get(definition.name());
        if (current == null) {
            LOG.infof("Starting replication %s: %d brokers, %d topic rules", definition.name(),
                    definition.brokers().size(), definition.rules().size());
            running.put(definition.name(), RunningReplication.start(definition));
        } else if (!current.definition.equals(definition)) {
            LOG.infof("Updating replication %s", definition.name());
            current.update(definition);
        }
    }

    /** Stops the replication and closes its broker connections; unknown names are ignored. */
    public synchronized void remove(String name) {
        RunningReplication replication = running.remove(name);
        if (replication != null) {
            LOG.infof("Stopping replication %s", name);
            replication.close();
        }
    }

    /** The channels of a running replication, by broker name, in definition order. */
    public synchronized Optional<Map<String, BrokerChannel>> channels(String name) {
        return Optional.ofNullable(running.get(name)).map(replication -> Map.copyOf(replication.channels));
    }

    @PreDestroy
    synchronized void closeAll() {
        running.values().forEach(RunningReplication::close);
        running.clear();
    }

    /** One replication's channels and engine. Not thread-safe: the manager serialises access. */
    private static final class RunningReplication {
        private ReplicationDefinition definition;
        private final Map<String, BrokerChannel> channels = new LinkedHashMap<>();
        private ReplicationEngine engine;

        static RunningReplication start(ReplicationDefinition definition) {
            RunningReplication replication = new RunningReplication();
            replication.definition = definition;
            Map<String, List<Subscription>> subscriptions = subscriptions(definition);
            for (BrokerSettings broker : definition.brokers()) {
                replication.channels.put(broker.name(), new BrokerChannel(broker, subscriptions.get(broker.name())));
            }
            replication.startEngine(List.copyOf(replication.channels.values()));
            return replication;
        }

        void update(ReplicationDefinition next) {
            engine.close();
            Map<String, BrokerSettings> nextBrokers = new LinkedHashMap<>();
            next.brokers().forEach(broker -> nextBrokers.put(broker.name(), broker));
            channels.entrySet().removeIf(entry -> {
                BrokerSettings wanted = nextBrokers.get(entry.getKey());
                boolean keep = wanted != null && wanted.equals(entry.getValue().settings());
                if (!keep) {
                    entry.getValue().close();
                }
                return !keep;
            });
            Map<String, List<Subscription>> subscriptions = subscriptions(next);
            List<BrokerChannel> added = new ArrayList<>();
            Map<String, BrokerChannel> ordered = new LinkedHashMap<>();
            for (BrokerSettings broker : next.brokers()) {
                BrokerChannel channel = channels.get(broker.name());
                if (channel == null) {
                    channel = new BrokerChannel(broker, subscriptions.get(broker.name()));
                    added.add(channel);
                } else {
                    channel.updateSubscriptions(subscriptions.get(broker.name()));
                }
                ordered.put(broker.name(), channel);
            }
            channels.clear();
            channels.putAll(ordered);
            definition = next;
            startEngine(added);
        }

        /** Starts the engine first so it subscribes to inbound streams before new channels connect. */
        private void startEngine(List<BrokerChannel> channelsToStart) {
            List<BrokerEndpoint> endpoints = List.copyOf(channels.values());
            engine = new ReplicationEngine(definition.name(), definition.mergeFrequencyHz(), definition.rules(), endpoints,
                    EngineOptions.defaults());
            engine.start();
            channelsToStart.forEach(BrokerChannel::start);
        }

        private static Map<String, List<Subscription>> subscriptions(ReplicationDefinition definition) {
            List<String> names = definition.brokers().stream().map(BrokerSettings::name).toList();
            return ReplicationEngine.subscriptions(definition.rules(), names);
        }

        void close() {
            engine.close();
            channels.values().forEach(BrokerChannel::close);
            channels.clear();
        }
    }
}
