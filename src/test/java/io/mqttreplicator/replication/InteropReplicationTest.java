package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.testing.ArtemisBroker;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.HiveMqBroker;
import io.mqttreplicator.testing.MoquetteBroker;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.RabbitMqBroker;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The three-broker stream and state scenarios on other brokers than Mosquitto: three Moquette
 * brokers, Mosquitto and Moquette mixed, Mosquitto, Moquette and HiveMQ CE in one replication,
 * the replicator speaking MQTT 5 to HiveMQ (No Local there, echo suppression for the others),
 * three embedded ActiveMQ Artemis brokers, and Mosquitto, Artemis and a RabbitMQ node (MQTT
 * plugin, 3.1.1, {@code maxQos} 1) in one replication. The RabbitMQ node is one process for the
 * whole class; its tests use topics of their own.
 */
class InteropReplicationTest {

    private static final List<String> NAMES = List.of("a", "b", "c");
    private static final int MESSAGES_PER_WRITER = 200;
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** Started on first use, stopped after the last test: a RabbitMQ node takes seconds to start. */
    private static RabbitMqBroker rabbitMq;

    /** A broker the replicator talks to, in which MQTT version, and the highest QoS it takes. */
    enum Kind {
        MOSQUITTO(4, 2, MosquittoBroker::start),
        MOQUETTE(4, 2, () -> MoquetteBroker.start("/mqtt")),
        HIVEMQ_MQTT5(5, 2, HiveMqBroker::start),
        ARTEMIS(4, 2, ArtemisBroker::start),
        // RabbitMQ 3.10 closes the connection on a QoS 2 PUBLISH
        RABBITMQ(4, 1, InteropReplicationTest::sharedRabbitMq);

        final int protocolVersion;
        final int maxQos;
        final Supplier<TestBroker> starter;

        Kind(int protocolVersion, int maxQos, Supplier<TestBroker> starter) {
            this.protocolVersion = protocolVersion;
            this.maxQos = maxQos;
            this.starter = starter;
        }
    }

    /** Which broker each of a, b and c is. */
    enum Brokers {
        MOQUETTE(Kind.MOQUETTE, Kind.MOQUETTE, Kind.MOQUETTE),
        MOSQUITTO_AND_MOQUETTE(Kind.MOSQUITTO, Kind.MOQUETTE, Kind.MOSQUITTO),
        MOSQUITTO_MOQUETTE_AND_HIVEMQ_OVER_MQTT5(Kind.MOSQUITTO, Kind.MOQUETTE, Kind.HIVEMQ_MQTT5),
        ARTEMIS(Kind.ARTEMIS, Kind.ARTEMIS, Kind.ARTEMIS),
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

        ReplicationDefinition definition(ReplicationHarness harness, double mergeFrequencyHz, TopicRule rule) {
            return harness.definition(mergeFrequencyHz, name -> Definitions.broker(name, harness.testBroker(name).url(),
                    kind(name).maxQos, kind(name).protocolVersion), rule);
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
            harness.replicate(kinds.definition(harness, 1, Rules.stream("events", "events/#").qos(1).build()));
            harness.awaitFlowing("events/probe");
            for (String name : NAMES) {
                // MQTT 5: No Local keeps the replicator's own publishes from coming back at all
                assertThat(harness.channels().get(name).echoesOwnPublishes()).as("%s echoes", name)
                        .isEqualTo(kinds.kind(name).protocolVersion == 4);
            }
            Map<String, TestMqttClient> subscribers = new LinkedHashMap<>();
            NAMES.forEach(name -> subscribers.put(name, harness.subscriber(name, "events/data/#", 1)));
            List<TestMqttClient> writers = NAMES.stream().map(harness::client).toList();

            CompletableFuture.allOf(IntStream.range(0, NAMES.size()).mapToObj(writer -> CompletableFuture.runAsync(() -> {
                for (int i = 0; i < MESSAGES_PER_WRITER; i++) {
                    writers.get(writer).publish("events/data/" + NAMES.get(writer), NAMES.get(writer) + "-" + i, 1, false);
                }
            })).toArray(CompletableFuture[]::new)).join();

            int expected = NAMES.size() * MESSAGES_PER_WRITER;
            await().atMost(WAIT).until(() -> subscribers.values().stream().allMatch(s -> s.received().size() >= expected));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> subscribers.values().stream().allMatch(s -> s.received().size() == expected));
            for (Map.Entry<String, TestMqttClient> subscriber : subscribers.entrySet()) {
                Map<String, Long> copies = subscriber.getValue().received().stream()
                        .collect(Collectors.groupingBy(TestMqttClient.Received::text, Collectors.counting()));
                assertThat(copies).as("messages on %s", subscriber.getKey()).hasSize(expected);
                assertThat(copies.values()).as("copies per message on %s", subscriber.getKey()).containsOnly(1L);
                for (String origin : NAMES) {
                    assertThat(subscriber.getValue().receivedTexts("events/data/" + origin))
                            .as("order of %s's messages on %s", origin, subscriber.getKey())
                            .containsExactlyElementsOf(IntStream.range(0, MESSAGES_PER_WRITER)
                                    .mapToObj(i -> origin + "-" + i).toList());
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Brokers.class)
    void stateConvergesOnTheLastWriteEverywhereAndADeletionPropagates(Brokers kinds) {
        try (ReplicationHarness harness = kinds.start()) {
            harness.replicate(kinds.definition(harness, 10, Rules.state("state", "state/#").retain().build()));
            harness.awaitFlowing("state/probe");

            harness.client("a").publish("state/x", "first", 1, true);
            awaitRetainedEverywhere(harness, "state/x", Optional.of("first"));
            harness.client("b").publish("state/x", "second", 1, true);
            awaitRetainedEverywhere(harness, "state/x", Optional.of("second"));
            harness.client("c").publish("state/x", "", 1, true);
            awaitRetainedEverywhere(harness, "state/x", Optional.empty());
        }
    }

    private static void awaitRetainedEverywhere(ReplicationHarness harness, String topic, Optional<String> value) {
        await().atMost(WAIT).until(() -> NAMES.stream().allMatch(name -> retained(harness, name, topic).equals(value)));
    }

    /** What a new subscriber gets as the retained value of the topic on that broker. */
    private static Optional<String> retained(ReplicationHarness harness, String broker, String topic) {
        try (TestMqttClient reader = harness.testBroker(broker).client()) {
            reader.subscribe(topic, 1);
            try {
                // the retained message may come just after the SUBACK
                await().atMost(Duration.ofMillis(300)).until(() -> !reader.received(topic).isEmpty());
            } catch (org.awaitility.core.ConditionTimeoutException none) {
                return Optional.empty();
            }
            return Optional.of(reader.receivedTexts(topic).get(0));
        }
    }
}
