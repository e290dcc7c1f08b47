package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Which brokers a rule takes messages from and publishes to, between three real Mosquitto brokers.
 * Each test publishes a message that must not travel, then one that must (on the same path), and
 * checks after the second arrived that the first never did.
 */
class TopicRuleSelectionTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(10);

    @Test
    void subscribeAllowListTakesMessagesOnlyFromTheListedBrokers() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b", "c")) {
            harness.replicate(harness.definition(1,
                    Rules.stream("s", "s/#").subscribeOn(Set.of("a"), Set.of()).build()));
            harness.awaitFlowing("s/probe");
            TestMqttClient onA = harness.subscriber("a", "s/data", 1);
            TestMqttClient onC = harness.subscriber("c", "s/data", 1);

            harness.client("b").publish("s/data", "from-b", 1, false);
            harness.client("a").publish("s/data", "from-a", 1, false);

            await().atMost(ARRIVAL).until(() -> onC.receivedTexts("s/data").contains("from-a"));
            assertThat(onC.receivedTexts("s/data")).containsExactly("from-a");
            assertThat(onA.receivedTexts("s/data")).containsExactly("from-a");
        }
    }

    @Test
    void subscribeDenyListIgnoresMessagesFromTheListedBroker() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b", "c")) {
            harness.replicate(harness.definition(1,
                    Rules.stream("s", "s/#").subscribeOn(Set.of(), Set.of("b")).build()));
            harness.awaitFlowing("s/probe");
            TestMqttClient onC = harness.subscriber("c", "s/data", 1);

            harness.client("b").publish("s/data", "from-b", 1, false);
            harness.client("a").publish("s/data", "from-a", 1, false);

            await().atMost(ARRIVAL).until(() -> onC.receivedTexts("s/data").contains("from-a"));
            assertThat(onC.receivedTexts("s/data")).containsExactly("from-a");
        }
    }

    @Test
    void publishAllowAndDenyListsChooseTheTargets() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b", "c", "d")) {
            harness.replicate(harness.definition(1,
                    Rules.stream("p", "p/#").publishTo(Set.of("b", "c", "d"), Set.of("d")).build(),
                    Rules.stream("probe", "probe/#").build()));
            harness.awaitFlowing("probe/x");
            TestMqttClient onB = harness.subscriber("b", "p/#", 1);
            TestMqttClient onC = harness.subscriber("c", "p/#", 1);
            TestMqttClient onD = harness.subscriber("d", "p/#", 1);
            TestMqttClient probeOnD = harness.subscriber("d", "probe/#", 1);

            harness.client("a").publish("p/data", "m", 1, false);
            harness.client("a").publish("probe/after", "barrier", 1, false);

            await().atMost(ARRIVAL).until(() -> onB.received().size() == 1 && onC.received().size() == 1
                    && probeOnD.receivedTexts("probe/after").contains("barrier"));
            assertThat(onD.received()).isEmpty();
        }
    }

    @Test
    void noSubscribeRuleGivesItsSettingsToTopicsReceivedThroughAnotherRule() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b")) {
            harness.replicate(harness.definition(1,
                    Rules.stream("all", "canards/+").build(),
                    Rules.stream("name", "canards/name").noSubscribe().retain().build()));
            harness.awaitFlowing("canards/probe");

            harness.client("a").publish("canards/name", "donald", 1, false);
            harness.client("a").publish("canards/age", "90", 1, false);
            TestMqttClient live = harness.subscriber("b", "canards/+", 1);
            harness.client("a").publish("canards/barrier", "x", 1, false);
            await().atMost(ARRIVAL).until(() -> live.receivedTexts("canards/barrier").contains("x"));

            TestMqttClient late = harness.subscriber("b", "canards/+", 1);
            await().atMost(ARRIVAL).until(() -> !late.received("canards/name").isEmpty());
            assertThat(late.received("canards/name")).singleElement()
                    .satisfies(message -> assertThat(message.retain()).as("retained by the noSubscribe rule").isTrue());
            assertThat(late.received("canards/age")).as("canards/+ does not retain").isEmpty();
        }
    }

    @Test
    void dollarAndActiveMqAdvisoryTopicsAreNeverReplicated() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b")) {
            harness.replicate(harness.definition(1,
                    Rules.stream("all", "#").build(),
                    Rules.stream("dollar", "$custom/#").build()));
            harness.awaitFlowing("probe");
            TestMqttClient onB = harness.subscriber("b", "#", 1);
            TestMqttClient dollarOnB = harness.subscriber("b", "$custom/#", 1);

            harness.client("a").publish("$custom/x", "internal", 1, false);
            harness.client("a").publish("ActiveMQ/Advisory/Consumer", "advisory", 1, false);
            harness.client("a").publish("after", "barrier", 1, false);

            await().atMost(ARRIVAL).until(() -> onB.receivedTexts("after").contains("barrier"));
            assertThat(onB.received("ActiveMQ/Advisory/Consumer")).isEmpty();
            assertThat(dollarOnB.received()).isEmpty();
        }
    }
}
