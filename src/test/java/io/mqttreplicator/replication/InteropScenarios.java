package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.engine.TopicRule;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The three-broker stream and state scenarios, for any three brokers a harness holds: the interop
 * tests run them on embedded brokers, broker processes and, in the {@code containers} profile, on
 * brokers in containers.
 */
final class InteropScenarios {

    static final List<String> NAMES = List.of("a", "b", "c");
    private static final int MESSAGES_PER_WRITER = 200;
    private static final Duration WAIT = Duration.ofSeconds(30);

    private InteropScenarios() {
    }

    /**
     * Writers on every broker at once, QoS 1 stream: each broker's subscriber gets every message
     * exactly once, and each writer's messages in order.
     */
    static void concurrentStreamWrites(ReplicationHarness harness, Function<String, BrokerSettings> settings) {
        harness.replicate(definition(harness, settings, 1, Rules.stream("events", "events/#").qos(1).build()));
        harness.awaitFlowing("events/probe");
        for (String name : NAMES) {
            // MQTT 5: No Local keeps the replicator's own publishes from coming back at all
            assertThat(harness.channels().get(name).echoesOwnPublishes()).as("%s echoes", name)
                    .isEqualTo(settings.apply(name).protocolVersion() == 4);
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

    /**
     * A retained value written on a, overwritten on b, deleted on c: after each step every broker
     * holds it as its retained value.
     */
    static void stateConvergence(ReplicationHarness harness, Function<String, BrokerSettings> settings) {
        harness.replicate(definition(harness, settings, 10, Rules.state("state", "state/#").retain().build()));
        harness.awaitFlowing("state/probe");

        harness.client("a").publish("state/x", "first", 1, true);
        awaitRetainedEverywhere(harness, "state/x", Optional.of("first"));
        harness.client("b").publish("state/x", "second", 1, true);
        awaitRetainedEverywhere(harness, "state/x", Optional.of("second"));
        harness.client("c").publish("state/x", "", 1, true);
        awaitRetainedEverywhere(harness, "state/x", Optional.empty());
    }

    /**
     * A value retained on c before the replicator starts: with {@code replayedToWildcards}, c
     * replays it to the replicator's {@code before/#} subscription and it reaches every broker;
     * without (RabbitMQ 3.10 replays retained messages only to exact-topic subscriptions), the
     * replicator never sees it, and it stays on c alone while the merge runs 20 times.
     */
    static void valueRetainedBeforeStart(ReplicationHarness harness, Function<String, BrokerSettings> settings,
            boolean replayedToWildcards) {
        harness.client("c").publish("before/x", "held", 1, true);
        harness.replicate(definition(harness, settings, 10, Rules.state("before", "before/#").retain().build()));
        harness.awaitFlowing("before/probe");
        if (replayedToWildcards) {
            awaitRetainedEverywhere(harness, "before/x", Optional.of("held"));
        } else {
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                    retained(harness, "a", "before/x").isEmpty() && retained(harness, "b", "before/x").isEmpty());
            assertThat(retained(harness, "c", "before/x")).contains("held");
        }
    }

    private static ReplicationDefinition definition(ReplicationHarness harness, Function<String, BrokerSettings> settings,
            double mergeFrequencyHz, TopicRule rule) {
        return harness.definition(mergeFrequencyHz, settings, rule);
    }

    static void awaitRetainedEverywhere(ReplicationHarness harness, String topic, Optional<String> value) {
        await().atMost(WAIT).until(() -> NAMES.stream().allMatch(name -> retained(harness, name, topic).equals(value)));
    }

    /** What a new subscriber to exactly this topic gets as its retained value on that broker. */
    static Optional<String> retained(ReplicationHarness harness, String broker, String topic) {
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
