package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stream rules between real Mosquitto brokers: every message once everywhere, no echo, in order. */
class MosquittoStreamReplicationTest {

    private static final int MESSAGES_PER_WRITER = 300;

    @ParameterizedTest(name = "{0} brokers")
    @ValueSource(ints = {2, 3, 5})
    void concurrentWritesArriveExactlyOnceOnEveryBrokerAndAreNeverEchoedBack(int brokerCount) {
        String[] names = IntStream.range(0, brokerCount).mapToObj(i -> "b" + i).toArray(String[]::new);
        try (ReplicationHarness harness = ReplicationHarness.withBrokers(names)) {
            harness.replicate(harness.definition(1, Rules.stream("events", "events/#").qos(1).build()));
            harness.awaitFlowing("events/probe");

            Map<String, TestMqttClient> subscribers = new LinkedHashMap<>();
            for (String name : names) {
                subscribers.put(name, harness.subscriber(name, "events/data/#", 1));
            }
            List<TestMqttClient> writers = List.of(names).stream().map(harness::client).toList();
            CompletableFuture.allOf(IntStream.range(0, brokerCount)
                    .mapToObj(writer -> CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < MESSAGES_PER_WRITER; i++) {
                            writers.get(writer).publish("events/data/" + names[writer], names[writer] + "-" + i, 1, false);
                        }
                    }))
                    .toArray(CompletableFuture[]::new)).join();

            int expected = brokerCount * MESSAGES_PER_WRITER;
            // the count must reach the total and then stay there: a late echo or duplicate would exceed it
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> subscribers.values().stream().allMatch(s -> s.received().size() >= expected));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
                    .until(() -> subscribers.values().stream().allMatch(s -> s.received().size() == expected));

            for (Map.Entry<String, TestMqttClient> subscriber : subscribers.entrySet()) {
                Map<String, Long> copies = subscriber.getValue().received().stream()
                        .collect(Collectors.groupingBy(TestMqttClient.Received::text, Collectors.counting()));
                assertThat(copies).as("messages seen on %s", subscriber.getKey()).hasSize(expected);
                assertThat(copies.values()).as("copies per message on %s", subscriber.getKey()).containsOnly(1L);
                for (String origin : names) {
                    List<String> fromOrigin = subscriber.getValue().receivedTexts("events/data/" + origin);
                    assertThat(fromOrigin).as("order of %s's messages on %s", origin, subscriber.getKey())
                            .containsExactlyElementsOf(IntStream.range(0, MESSAGES_PER_WRITER)
                                    .mapToObj(i -> origin + "-" + i).toList());
                }
            }
        }
    }

    @ParameterizedTest(name = "published at QoS {0}")
    @ValueSource(ints = {0, 1, 2})
    void forwardedQosIsTheLowestOfMessageRuleAndTargetMaximum(int publishedQos) {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b", "capped")) {
            Function<String, BrokerSettings> settings =
                    name -> Definitions.broker(name, harness.broker(name).url(), name.equals("capped") ? 0 : 2);
            harness.replicate(harness.definition(1, settings, Rules.stream("q", "q/#").qos(1).build()));
            harness.awaitFlowing("q/probe");
            TestMqttClient onB = harness.subscriber("b", "q/data", 2);
            TestMqttClient onCapped = harness.subscriber("capped", "q/data", 2);

            harness.client("a").publish("q/data", "m", publishedQos, false);

            await().atMost(Duration.ofSeconds(10)).until(() -> onB.received().size() == 1 && onCapped.received().size() == 1);
            assertThat(onB.received().get(0).qos()).isEqualTo(Math.min(publishedQos, 1));
            assertThat(onCapped.received().get(0).qos()).isZero();
        }
    }
}
