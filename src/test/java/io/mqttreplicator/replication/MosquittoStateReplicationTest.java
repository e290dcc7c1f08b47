package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestMqttClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.msgpack.jackson.dataformat.MessagePackFactory;

/** State rules between three real Mosquitto brokers: they converge on one value per topic. */
class MosquittoStateReplicationTest {

    private static final String[] BROKERS = {"a", "b", "c"};
    private static final Duration CONVERGENCE = Duration.ofSeconds(15);

    @Test
    void lastWriterWinsOnEveryBroker() {
        try (ReplicationHarness harness = started("lastwin")) {
            harness.client("a").publish("state/x", "first", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "first");
            harness.client("b").publish("state/x", "second", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "second");
        }
    }

    @Test
    void biggestPayloadWinsEvenWhenWrittenFirst() {
        try (ReplicationHarness harness = started("biggest")) {
            harness.client("a").publish("state/x", "b-value", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "b-value");
            harness.client("c").publish("state/x", "a-value", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "b-value");
        }
    }

    @Test
    void jsonBiggestComparesTheNumberAtThePath() {
        try (ReplicationHarness harness = started("jsonbiggest:reading.value")) {
            harness.client("a").publish("state/x", "{\"reading\":{\"value\":12}}", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "{\"reading\":{\"value\":12}}");
            harness.client("b").publish("state/x", "{\"reading\":{\"value\":9}}", 1, true);
            harness.client("c").publish("state/x", "{\"reading\":{\"value\":30}}", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "{\"reading\":{\"value\":30}}");
        }
    }

    @Test
    void msgpackBiggestComparesTheNumberAtThePath() throws IOException {
        ObjectMapper msgpack = new ObjectMapper(new MessagePackFactory());
        byte[] small = msgpack.writeValueAsBytes(Map.of("count", 3));
        byte[] big = msgpack.writeValueAsBytes(Map.of("count", 70000));
        try (ReplicationHarness harness = started("msgpackbiggest:count")) {
            harness.client("a").publish("state/x", big, 1, true);
            awaitRetainedEverywhere(harness, "state/x", big);
            harness.client("b").publish("state/x", small, 1, true);
            // the smaller number written later is overwritten everywhere, b included
            awaitRetainedEverywhere(harness, "state/x", big);
        }
    }

    @Test
    void randomMergeConvergesOnOneOfTheWrittenValues() {
        try (ReplicationHarness harness = started("random")) {
            for (String broker : BROKERS) {
                harness.client(broker).publish("state/x", "from-" + broker, 1, true);
            }
            await().atMost(CONVERGENCE).until(() -> {
                List<Optional<String>> values = Arrays.stream(BROKERS).map(b -> retained(harness, b, "state/x")).toList();
                return values.get(0).isPresent() && values.stream().distinct().count() == 1;
            });
            assertThat(retained(harness, "a", "state/x")).get().isIn("from-a", "from-b", "from-c");
        }
    }

    @Test
    void aDeletionPropagatesToEveryBroker() {
        try (ReplicationHarness harness = started("lastwin")) {
            harness.client("a").publish("state/x", "value", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "value");

            harness.client("b").publish("state/x", new byte[0], 1, true);

            await().atMost(CONVERGENCE).until(() -> Arrays.stream(BROKERS)
                    .allMatch(broker -> retained(harness, broker, "state/x").isEmpty()));
        }
    }

    @Test
    void ttlDeletesAQuietTopicEverywhereWithAnEmptyRetainedMessage() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers(BROKERS)) {
            harness.replicate(harness.definition(10,
                    Rules.state("state", "state/#").retain().ttl(Duration.ofSeconds(2)).build()));
            harness.awaitFlowing("state/probe");
            TestMqttClient onC = harness.subscriber("c", "state/x", 1);

            harness.client("a").publish("state/x", "short-lived", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "short-lived");

            await().atMost(CONVERGENCE).until(() -> Arrays.stream(BROKERS)
                    .allMatch(broker -> retained(harness, broker, "state/x").isEmpty()));
            assertThat(onC.receivedTexts("state/x")).containsExactly("short-lived", "");
            assertThat(onC.received("state/x").get(1).qos()).isEqualTo(1);
        }
    }

    @Test
    void aRestartedReplicatorDoesNotResurrectAValueDeletedWhileItWasDown() {
        try (ReplicationHarness harness = started("lastwin")) {
            harness.client("a").publish("state/x", "old", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "old");
            harness.client("a").publish("state/y", "kept", 1, true);
            awaitRetainedEverywhere(harness, "state/y", "kept");

            harness.stopReplicator();
            // while it is down: b deletes state/x; a and c still hold "old" retained
            harness.client("b").publish("state/x", new byte[0], 1, true);
            TestMqttClient onB = harness.subscriber("b", "state/#", 1);
            await().atMost(CONVERGENCE).until(() -> onB.receivedTexts("state/y").contains("kept"));
            onB.clearReceived();
            harness.replicate(definition(harness, "lastwin"));

            await().atMost(CONVERGENCE).until(() -> Arrays.stream(BROKERS)
                    .allMatch(broker -> retained(harness, broker, "state/x").isEmpty()));
            awaitRetainedEverywhere(harness, "state/y", "kept");
            assertThat(onB.receivedTexts("state/x")).as("b never got the old value back").doesNotContain("old");
        }
    }

    @Test
    void aRestartedReplicatorPublishesNothingWhenTheBrokersAgree() {
        try (ReplicationHarness harness = started("lastwin")) {
            harness.client("b").publish("state/x", "v1", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "v1");
            harness.client("c").publish("state/x", "v2", 1, true);
            awaitRetainedEverywhere(harness, "state/x", "v2");
            List<TestMqttClient> watchers = Arrays.stream(BROKERS).map(b -> harness.subscriber(b, "state/x", 1)).toList();
            // each watcher first gets the retained v2 its own subscription replays
            await().atMost(CONVERGENCE).until(() -> watchers.stream().allMatch(watcher -> watcher.received().size() == 1));
            watchers.forEach(TestMqttClient::clearReceived);

            harness.stopReplicator();
            harness.replicate(definition(harness, "lastwin"));

            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                    assertThat(watchers).allSatisfy(watcher -> assertThat(watcher.received()).isEmpty()));
            Arrays.stream(BROKERS).forEach(broker -> assertThat(retained(harness, broker, "state/x")).contains("v2"));
        }
    }

    private static ReplicationHarness started(String merge) {
        ReplicationHarness harness = ReplicationHarness.withBrokers(BROKERS);
        harness.replicate(definition(harness, merge));
        harness.awaitFlowing("state/probe");
        return harness;
    }

    private static ReplicationDefinition definition(ReplicationHarness harness, String merge) {
        return harness.definition(10, Rules.state("state", "state/#").retain().merge(merge).build());
    }

    private static void awaitRetainedEverywhere(ReplicationHarness harness, String topic, String value) {
        awaitRetainedEverywhere(harness, topic, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void awaitRetainedEverywhere(ReplicationHarness harness, String topic, byte[] value) {
        String expected = new String(value, StandardCharsets.ISO_8859_1);
        await().atMost(CONVERGENCE).until(() -> Arrays.stream(BROKERS).allMatch(broker ->
                retainedBytes(harness, broker, topic).map(bytes -> new String(bytes, StandardCharsets.ISO_8859_1))
                        .filter(expected::equals).isPresent()));
    }

    private static Optional<String> retained(ReplicationHarness harness, String broker, String topic) {
        return retainedBytes(harness, broker, topic).map(bytes -> new String(bytes, StandardCharsets.UTF_8));
    }

    /** What a new subscriber gets as the retained value of the topic on that broker. */
    private static Optional<byte[]> retainedBytes(ReplicationHarness harness, String broker, String topic) {
        try (TestMqttClient reader = TestMqttClient.connect(harness.broker(broker).port())) {
            reader.subscribe(topic, 1);
            // Mosquitto sends retained messages before the SUBACK; a short bounded wait covers the client's dispatch
            try {
                await().atMost(Duration.ofMillis(300)).until(() -> !reader.received(topic).isEmpty());
            } catch (org.awaitility.core.ConditionTimeoutException none) {
                return Optional.empty();
            }
            return Optional.of(reader.received(topic).get(0).payload());
        }
    }
}
