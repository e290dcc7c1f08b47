package io.mqttreplicator.replication;

import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.ConnectionThread;
import io.mqttreplicator.engine.BrokerEndpoint;
import io.mqttreplicator.engine.EngineOptions;
import io.mqttreplicator.engine.ReplicationEngine;
import io.mqttreplicator.engine.EngineListener;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collections;
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
 * <p>Applying never waits for a broker: connections are made in the background. What runs, and
 * every broker connection change, is reported to the {@link ReplicationObserver}s.
 */
@ApplicationScoped
public class ReplicationManager {

    private static final Logger LOG = Logger.getLogger(ReplicationManager.class);

    private final Map<String, RunningReplication> running = new HashMap<>();
    private final List<ReplicationObserver> observers;
    private boolean stopped;

    /** Without observers (tests, benchmarks). */
    public ReplicationManager() {
        this(List.of());
    }

    public ReplicationManager(List<ReplicationObserver> observers) {
        this.observers = List.copyOf(observers);
    }

    @Inject
    ReplicationManager(Instance<ReplicationObserver> observers) {
        this(observers.stream().toList());
    }

    /** Starts the replication, or brings a running one with the same name to this definition. */
    public synchronized void apply(ReplicationDefinition definition) {
        if (stopped) {
            LOG.debugf("Not applying replication %s: this process no longer replicates", definition.name());
            return;
        }
        RunningReplication current = running.get(definition.name());
        if (current == null) {
            LOG.infof("Starting replication %s: %d brokers, %d topic rules", definition.name(),
                    definition.brokers().size(), definition.rules().size());
            running.put(definition.name(), RunningReplication.start(definition, observers));
        } else if (!current.definition.equals(definition)) {
            LOG.infof("Updating replication %s", definition.name());
            current.update(definition);
        } else {
            return;
        }
        observers.forEach(observer -> observer.applied(definition));
    }

    /** Stops the replication and closes its broker connections; unknown names are ignored. */
    public synchronized void remove(String name) {
        RunningReplication replication = running.remove(name);
        if (replication != null) {
            LOG.infof("Stopping replication %s", name);
            replication.close();
            observers.forEach(observer -> observer.removed(name));
        }
    }

    /** The channels of a running replication, by broker name, in definition order. */
    public synchronized Optional<Map<String, BrokerChannel>> channels(String name) {
        return Optional.ofNullable(running.get(name))
                .map(replication -> Collections.unmodifiableMap(new LinkedHashMap<>(replication.channels)));
    }

    /**
     * Stops every replication and ignores later {@link #apply} calls: this process no longer
     * replicates (it shuts down, or it lost the operator's leader Lease). A connection closed here
     * may still trigger a reconciliation, which must not start the replication again.
     */
    @PreDestroy
    public synchronized void stopAll() {
        stopped = true;
        List.copyOf(running.keySet()).forEach(this::remove);
    }

    /** One replication's channels and engine. Not thread-safe: the manager serialises access. */
    private static final class RunningReplication {
        private ReplicationDefinition definition;
        private final List<ReplicationObserver> observers;
        private final Map<String, BrokerChannel> channels = new LinkedHashMap<>();
        /** All the replication's connections run on it, the engine's forwarding with them. */
        private final ConnectionThread thread;
        private ReplicationEngine engine;

        private RunningReplication(ReplicationDefinition definition, List<ReplicationObserver> observers) {
            this.definition = definition;
            this.observers = observers;
            this.thread = new ConnectionThread(definition.name());
        }

        static RunningReplication start(ReplicationDefinition definition, List<ReplicationObserver> observers) {
            RunningReplication replication = new RunningReplication(definition, observers);
            for (BrokerSettings broker : definition.brokers()) {
                replication.channels.put(broker.name(), replication.newChannel(broker));
            }
            replication.startEngine(List.copyOf(replication.channels.values()));
            return replication;
        }

        /** Keeps the channels whose broker settings did not change; replaces or closes the others. */
        void update(ReplicationDefinition next) {
            engine.close();
            Map<String, BrokerChannel> kept = new LinkedHashMap<>();
            List<BrokerChannel> added = new ArrayList<>();
            for (BrokerSettings broker : next.brokers()) {
                BrokerChannel channel = channels.remove(broker.name());
                if (channel == null || !channel.settings().equals(broker)) {
                    if (channel != null) {
                        channel.close();
                    }
                    channel = newChannel(broker);
                    added.add(channel);
                }
                kept.put(broker.name(), channel);
            }
            channels.values().forEach(BrokerChannel::close);
            channels.clear();
            channels.putAll(kept);
            definition = next;
            startEngine(added);
        }

        /**
         * Starts the engine first: it subscribes to the inbound streams and gives every channel its
         * subscriptions (a kept channel changes them in place), then the new channels connect.
         */
        private void startEngine(List<BrokerChannel> channelsToStart) {
            List<BrokerEndpoint> endpoints = List.copyOf(channels.values());
            EngineListener listener = EngineListener.all(
                    observers.stream().map(observer -> observer.engineListener(definition.name())).toList());
            engine = new ReplicationEngine(definition.name(), definition.origin(), definition.mergeFrequencyHz(),
                    definition.rules(), endpoints, EngineOptions.defaults().withListener(listener));
            engine.start();
            channelsToStart.forEach(BrokerChannel::start);
        }

        private BrokerChannel newChannel(BrokerSettings broker) {
            BrokerChannel channel = new BrokerChannel(broker, List.of(), thread);
            String replication = definition.name();
            channel.addStateListener(event -> observers.forEach(observer -> observer.connectionChanged(replication, event)));
            return channel;
        }

        void close() {
            engine.close();
            channels.values().forEach(BrokerChannel::close);
            channels.clear();
        }
    }
}
