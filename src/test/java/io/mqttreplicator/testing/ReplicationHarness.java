package io.mqttreplicator.testing;

import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.broker.ConnectionState;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.replication.ReplicationDefinition;
import io.mqttreplicator.replication.ReplicationManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Real brokers (Mosquitto processes, or any {@link TestBroker}), the real replication manager
 * between them, and test clients on each broker. Closing it stops the replication and every broker.
 */
public final class ReplicationHarness implements AutoCloseable {

    public static final String REPLICATION = "test";

    private final Map<String, TestBroker> brokers = new LinkedHashMap<>();
    private final List<AutoCloseable> clients = new ArrayList<>();
    private ReplicationManager manager = new ReplicationManager();

    /** Starts one Mosquitto broker per name. */
    public static ReplicationHarness withBrokers(String... names) {
        ReplicationHarness harness = new ReplicationHarness();
        for (String name : names) {
            harness.brokers.put(name, MosquittoBroker.builder().name(name).start());
        }
        return harness;
    }

    /** Brokers started by the test, by name, in this order; the harness closes them. */
    public static ReplicationHarness with(Map<String, ? extends TestBroker> brokers) {
        ReplicationHarness harness = new ReplicationHarness();
        harness.brokers.putAll(brokers);
        return harness;
    }

    /** The broker, when it is a Mosquitto process. */
    public MosquittoBroker broker(String name) {
        return (MosquittoBroker) brokers.get(name);
    }

    public TestBroker testBroker(String name) {
        return brokers.get(name);
    }

    public List<String> names() {
        return List.copyOf(brokers.keySet());
    }

    /** The definition of a replication between all brokers with default settings. */
    public ReplicationDefinition definition(double mergeFrequencyHz, TopicRule... rules) {
        return definition(mergeFrequencyHz, name -> Definitions.broker(name, brokers.get(name).url()), rules);
    }

    public ReplicationDefinition definition(double mergeFrequencyHz, Function<String, BrokerSettings> settings, TopicRule... rules) {
        List<BrokerSettings> brokerSettings = brokers.keySet().stream().map(settings).toList();
        return new ReplicationDefinition(REPLICATION, mergeFrequencyHz, brokerSettings, List.of(rules));
    }

    /** Applies the definition and waits until every broker channel is connected. */
    public void replicate(ReplicationDefinition definition) {
        start(definition);
        await().atMost(Duration.ofSeconds(15)).until(() -> manager.channels(REPLICATION).orElseThrow().values().stream()
                .allMatch(channel -> channel.state() == ConnectionState.CONNECTED));
    }

    /** Applies the definition and returns at once, connected or not. */
    public void start(ReplicationDefinition definition) {
        manager.apply(definition);
    }

    public Map<String, BrokerChannel> channels() {
        return manager.channels(REPLICATION).orElseThrow();
    }

    /** Stops the replication as a process exit would, and gives a fresh manager for a restart. */
    public void stopReplicator() {
        manager.remove(REPLICATION);
        manager = new ReplicationManager();
    }

    /** A client on the broker, subscribed to the filter at the QoS; closed with the harness. */
    public TestMqttClient subscriber(String broker, String filter, int qos) {
        TestMqttClient client = client(broker);
        client.subscribe(filter, qos);
        return client;
    }

    public TestMqttClient client(String broker) {
        TestMqttClient client = brokers.get(broker).client();
        clients.add(client);
        return client;
    }

    /**
     * Publishes probe messages on the first broker until one reached every other broker: after
     * this, the replicator's subscriptions are in place. The probes' topic must be replicated.
     */
    public void awaitFlowing(String probeTopic) {
        String first = names().get(0);
        List<TestMqttClient> receivers = names().subList(1, names().size()).stream()
                .map(name -> subscriber(name, probeTopic, 1)).toList();
        TestMqttClient publisher = client(first);
        int[] probe = {0};
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200)).until(() -> {
            String payload = "probe-" + probe[0]++;
            publisher.publish(probeTopic, payload, 1, false);
            return receivers.stream().allMatch(receiver -> !receiver.received(probeTopic).isEmpty());
        });
    }

    @Override
    public void close() {
        manager.remove(REPLICATION);
        for (AutoCloseable client : clients) {
            try {
                client.close();
            } catch (Exception ignored) {
                // the broker may already be gone
            }
        }
        brokers.values().forEach(TestBroker::close);
    }
}
