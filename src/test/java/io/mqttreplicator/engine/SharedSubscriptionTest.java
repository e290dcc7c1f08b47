package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.mqttreplicator.engine.EngineListener.DropReason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Stream rules on {@code $share/{group}/{filter}}: what they take, how they are subscribed, and the
 * origin mark by which every instance drops its replication's forwards coming back.
 */
class SharedSubscriptionTest {

    private EngineFixture fixture;

    @AfterEach
    void closeFixture() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void theFilterAfterTheGroupIsWhatTopicsAreMatchedAgainst() {
        assertThat(SharedSubscription.isShared("$share/replicators/sensors/#")).isTrue();
        assertThat(SharedSubscription.topicFilter("$share/replicators/sensors/#")).isEqualTo("sensors/#");
        assertThat(SharedSubscription.topicFilter("sensors/#")).isEqualTo("sensors/#");
        assertThat(SharedSubscription.formProblem("$share/replicators/sensors/#")).isEmpty();
        assertThat(SharedSubscription.formProblem("$share/replicators")).hasValueSatisfying(problem -> assertThat(problem)
                .contains("$share/{group}/{filter}"));
        assertThat(SharedSubscription.formProblem("$share//sensors/#")).isPresent();
        assertThat(SharedSubscription.formProblem("$share/a+b/sensors/#")).hasValueSatisfying(problem -> assertThat(problem)
                .contains("group"));
    }

    @Test
    void aSharedRuleNeedsStreamModeAndMqtt5OnEveryBrokerItSubscribesOn() {
        Map<String, Integer> versions = Map.of("a", 5, "b", 4, "c", 5);

        assertThat(SharedSubscription.problems(Rules.stream("s", "$share/g/s/#").build(), Map.of("a", 5, "c", 5))).isEmpty();
        assertThat(SharedSubscription.problems(Rules.stream("s", "$share/g/s/#").build(), versions))
                .singleElement().asString().contains("MQTT 5").contains("b uses MQTT 3.1.1");
        assertThat(SharedSubscription.problems(Rules.stream("s", "$share/g/s/#").subscribeOn(Set.of("a", "c"), Set.of()).build(), versions))
                .as("b only receives").isEmpty();
        assertThat(SharedSubscription.problems(Rules.state("s", "$share/g/s/#").build(), Map.of("a", 5)))
                .singleElement().asString().contains("stream mode");
    }

    @Test
    void sharedFiltersAreSubscribedAsTheyAreBesideOthers() {
        List<TopicRule> rules = List.of(Rules.stream("s", "$share/g/data/#").build(), Rules.stream("all", "#").build());

        assertThat(ReplicationEngine.subscriptions(rules, List.of("a")).get("a"))
                .extracting(Subscription::filter).containsExactlyInAnyOrder("$share/g/data/#", "#");
    }

    @Test
    void forwardsCarryTheirOriginAndAMarkedMessageOfThisReplicationIsAnEchoWhereverItArrives() {
        fixture = EngineFixture.of(List.of(Rules.stream("s", "$share/g/data/#").build()), "a", "b").start();

        fixture.broker("a").clientPublish("data/1", "from a");
        // another instance of this replication forwarded this from b to a: this instance must not forward it back
        fixture.broker("a").clientPublishMarked("data/2", "forwarded by another instance", "test/b");
        fixture.broker("a").clientPublishMarked("data/3", "forwarded by another replication", "other/b");
        fixture.settle();

        assertThat(fixture.broker("b").publishedByEngine())
                .extracting(message -> new String(message.payload(), StandardCharsets.UTF_8) + " " + message.origin())
                .containsExactly("from a test/a", "forwarded by another replication test/a");
        // the one another instance forwarded, and this instance's two forwards coming back from b
        assertThat(fixture.listener.dropped(DropReason.ECHO)).isEqualTo(3);
        assertThat(fixture.broker("a").publishedByEngine()).as("nothing went back to a").isEmpty();
    }

    @Test
    void withoutASharedRuleForwardsAreNotMarkedButAMarkOfThisReplicationIsStillAnEcho() {
        // the operator's Lease holder runs a replication's other rules, every replica its shared ones
        fixture = EngineFixture.of(List.of(Rules.stream("all", "data/#").build()), "a", "b").start();

        fixture.broker("a").clientPublish("data/1", "from a");
        fixture.broker("a").clientPublishMarked("data/2", "forwarded by this replication's shared rules", "test/b");
        fixture.broker("a").clientPublishMarked("data/3", "forwarded by another replication", "other/b");
        fixture.settle();

        assertThat(fixture.broker("b").publishedByEngine())
                .extracting(message -> new String(message.payload(), StandardCharsets.UTF_8) + " " + message.origin())
                .containsExactly("from a null", "forwarded by another replication other/b");
        // the marked one, and the two forwards coming back from b (an in-memory broker echoes like MQTT 3.1.1)
        assertThat(fixture.listener.dropped(DropReason.ECHO)).isEqualTo(3);
    }
}
