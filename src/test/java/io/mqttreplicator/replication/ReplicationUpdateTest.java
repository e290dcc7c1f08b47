package io.mqttreplicator.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.broker.BrokerChannel;
import io.mqttreplicator.broker.BrokerSettings;
import io.mqttreplicator.engine.Rules;
import io.mqttreplicator.testing.Definitions;
import io.mqttreplicator.testing.ReplicationHarness;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Applying a changed definition to a running replication changes only what differs. */
class ReplicationUpdateTest {

    private static final Duration ARRIVAL = Duration.ofSeconds(10);

    @Test
    void changingATopicRuleKeepsEveryBrokerConnectionAndAppliesTheNewRule() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b")) {
            harness.replicate(harness.definition(1, Rules.stream("old", "old/#").build()));
            harness.awaitFlowing("old/probe");
            Map<String, BrokerChannel> before = harness.channels();

            harness.replicate(harness.definition(1, Rules.stream("new", "new/#").build()));
            TestMqttClient onB = harness.subscriber("b", "#", 1);
            harness.client("a").publish("old/x", "no longer replicated", 1, false);
            harness.client("a").publish("new/x", "replicated", 1, false);

            await().atMost(ARRIVAL).until(() -> onB.receivedTexts("new/x").contains("replicated"));
            assertThat(onB.received("old/x")).isEmpty();
            assertThat(harness.channels()).isEqualTo(before);
            for (String broker : harness.names()) {
                String clientId = before.get(broker).settings().clientId();
                assertThat(harness.broker(broker).connectionsOf(clientId)).as("connections of %s", broker).isEqualTo(1);
            }
        }
    }

    @Test
    void changingOneBrokerReconnectsOnlyThatBroker() {
        try (ReplicationHarness harness = ReplicationHarness.withBrokers("a", "b", "c")) {
            harness.replicate(harness.definition(1, Rules.stream("t", "t/#").build()));
            Map<String, BrokerChannel> before = harness.channels();

            harness.replicate(harness.definition(1, name -> name.equals("c")
                    ? Definitions.broker(name, harness.broker(name).url(), 1)
                    : before.get(name).settings(), Rules.stream("t", "t/#").build()));
            harness.awaitFlowing("t/probe");

            Map<String, BrokerChannel> after = harness.channels();
            assertThat(after.get("a")).isSameAs(before.get("a"));
            assertThat(after.get("b")).isSameAs(before.get("b"));
            assertThat(after.get("c")).isNotSameAs(before.get("c"));
            assertThat(after.get("c").settings().maxQos()).isEqualTo(1);
            BrokerSettings c = after.get("c").settings();
            await().atMost(ARRIVAL).until(() -> harness.broker("c").countInLog("Client " + c.clientId() + " disconnected") >= 1);
            assertThat(harness.broker("a").connectionsOf(before.get("a").settings().clientId())).isEqualTo(1);
            assertThat(harness.broker("c").connectionsOf(c.clientId())).isEqualTo(2);
        }
    }
}
