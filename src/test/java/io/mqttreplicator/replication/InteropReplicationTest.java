package io.mqttreplicator.replication;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.testing.ArtemisBroker;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.HiveMqBroker;
import io.mqttreplicator.testing.MoquetteBroker;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.RabbitMqBroker;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The three-broker stream and state scenarios on other brokers than Mosquitto: three Moquette
 * brokers, Mosquitto and Moquette mixed, Mosquitto, Moquette and HiveMQ CE in one replication,
 * the replicator speaking MQTT 5 to HiveMQ (No Local there, echo suppression for the others),
 * three embedded ActiveMQ Artemis brokers over MQTT 3.1.1 and over MQTT 5 (No Local honoured
 * there too), and Mosquitto, Artemis and a RabbitMQ node (MQTT plugin, 3.1.1, {@code maxQos} 1)
 * in one replication. The RabbitMQ node is one process for the whole class; each test replicates
 * topics of its own.
 */
class InteropReplicationTest {

    private static final List<String> NAMES = InteropScenarios.NAMES;

    /** Started on first use, stopped after the last test: a RabbitMQ node takes seconds to start. */
    private static RabbitMqBroker rabbitMq;

    /** A broker the replicator talks to, in which MQTT version, and the highest QoS it takes. */
    enum Kind {
        MOSQUITTO(4, 2, true, MosquittoBroker::start),
        MOQUETTE(4, 2, true, () -> MoquetteBroker.start("/mqtt")),
        HIVEMQ_MQTT5(5, 2, true, HiveMqBroker::start),
        ARTEMIS(4, 2, true, ArtemisBroker::start),
        ARTEMIS_MQTT5(5, 2, true, ArtemisBroker::start),
        // RabbitMQ 3.10 closes the connection on a QoS 2 PUBLISH, and replays retained messages
        // only to subscriptions of exactly their topic
        RABBITMQ(4, 1, false, InteropReplicationTest::sharedRabbitMq);

        final int protocolVersion;
        final int maxQos;
        final boolean replaysRetainedToWildcards;
        final Supplier<TestBroker> starter;

        Kind(int protocolVersion, int maxQos, boolean replaysRetainedToWildcards, Supplier<TestBroker> starter) {
            this.protocolVersion = protocolVersion;
            this.maxQos = maxQos;
            this.replaysRetainedToWildcards = replaysRetainedToWildcards;
            this.starter = starter;
        }
    }

    /** Which broker each of a, b and c is. */
    enum Brokers {
        MOQUETTE(Kind.MOQUETTE, Kind.MOQUETTE, Kind.MOQUETTE),
        MOSQUITTO_AND_MOQUETTE(Kind.MOSQUITTO, Kind.MOQUETTE, Kind.MOSQUITTO),
        MOSQUITTO_MOQUETTE_AND_HIVEMQ_OVER_MQTT5(Kind.MOSQUITTO, Kind.MOQUETTE, Kind.HIVEMQ_MQTT5),
        ARTEMIS(Kind.ARTEMIS, Kind.ARTEMIS, Kind.ARTEMIS),
        ARTEMIS_OVER_MQTT5(Kind.ARTEMIS_MQTT5, Kind.ARTEMIS_MQTT5, Kind.ARTEMIS_MQTT5),
        MOSQUITTO_ARTEMIS_AND_RABBITMQ(Kind.MOSQUITTO, Kind.ARTEMIS, Kind.RABBITMQ);

        private final List<Kind> kinds;

        Brokers(Kind... kinds) {
            this.kinds = List.of(kinds);
        }

        ReplicationHarness start() {
            Map<String, TestBroker> brokers = new LinkedHashMap<>();
            try {
                for (int i = 0; i < NAMES.size(); i++) {
                    brokers.put(NAMES.get(i), kinds.get(i).starter.get());
                }
            } catch (RuntimeException e) {
                brokers.values().forEach(TestBroker::close);
                throw e;
            }
            return ReplicationHarness.with(brokers);
        }

        BrokerSettings settings(ReplicationHarness harness, String name) {
            return Definitions.broker(name, harness.testBroker(name).url(), kind(name).maxQos, kind(name).protocolVersion);
        }

        Kind kind(String name) {
            return kinds.get(NAMES.indexOf(name));
        }
    }

    private static synchronized TestBroker sharedRabbitMq() {
        if (rabbitMq == null) {
            rabbitMq = RabbitMqBroker.start();
        }
        return new SharedBroker(rabbitMq);
    }

    @AfterAll
    static void stopRabbitMq() {
        if (rabbitMq != null) {
            rabbitMq.close();
            rabbitMq = null;
        }
    }

    /** A broker that outlives the harness it is given to: closing the harness leaves it running. */
    private record SharedBroker(TestBroker broker) implements TestBroker {
        @Override
        public int port() {
            return broker.port();
        }

        @Override
        public String url() {
            return broker.url();
        }

        @Override
        public TestMqttClient client() {
            return broker.client();
        }

        @Override
        public void close() {
            // stopped by stopRabbitMq once every test is done
        }
    }

    @ParameterizedTest
    @EnumSource(Brokers.class)
    void concurrentStreamWritesArriveExactlyOnceInOrderOnEveryBroker(Brokers kinds) {
        try (ReplicationHarness harness = kinds.start()) {
            InteropScenarios.concurrentStreamWrites(harness, name -> kinds.settings(harness, name));
        }
    }

    @ParameterizedTest
    @EnumSource(Brokers.class)
    void stateConvergesOnTheLastWriteEverywhereAndADeletionPropagates(Brokers kinds) {
        try (ReplicationHarness harness = kinds.start()) {
            InteropScenarios.stateConvergence(harness, name -> kinds.settings(harness, name));
        }
    }

    @ParameterizedTest
    @EnumSource(Brokers.class)
    void aValueRetainedBeforeTheReplicatorStartsSpreadsIfItsBrokerReplaysItToWildcards(Brokers kinds) {
        try (ReplicationHarness harness = kinds.start()) {
            InteropScenarios.valueRetainedBeforeStart(harness, name -> kinds.settings(harness, name),
                    kinds.kind("c").replaysRetainedToWildcards);
        }
    }
}
