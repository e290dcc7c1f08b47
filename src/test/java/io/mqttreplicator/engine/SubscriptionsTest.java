package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SubscriptionsTest {

    @Test
    void eachBrokerSubscribesTheFiltersOfTheRulesThatSubscribeOnItAtTheirQos() {
        List<TopicRule> rules = List.of(
                Rules.state("sensors", "sensors/#").qos(2).build(),
                Rules.stream("events", "events/+").qos(0).subscribeOn(Set.of("oslo", "paris"), Set.of()).build(),
                Rules.state("config", "config/#").subscribeOn(Set.of(), Set.of("quebec")).build());

        Map<String, List<Subscription>> subscriptions = ReplicationEngine.subscriptions(rules, List.of("oslo", "paris", "quebec"));

        assertThat(subscriptions.get("oslo")).containsExactly(
                new Subscription("sensors/#", 2), new Subscription("events/+", 0), new Subscription("config/#", 1));
        assertThat(subscriptions.get("paris")).isEqualTo(subscriptions.get("oslo"));
        assertThat(subscriptions.get("quebec")).containsExactly(new Subscription("sensors/#", 2));
    }

    @Test
    void noSubscribeRulesAreNotSubscribed() {
        List<TopicRule> rules = List.of(
                Rules.state("all", "canards/+").build(),
                Rules.state("name", "canards/name").noSubscribe().retain().build(),
                Rules.state("elsewhere", "oies/+").noSubscribe().build());

        assertThat(ReplicationEngine.subscriptions(rules, List.of("a")).get("a")).containsExactly(new Subscription("canards/+", 1));
    }

    @Test
    void aFilterCoveredByAnotherOnTheSameBrokerIsLeftOutAndLendsItsQos() {
        List<TopicRule> rules = List.of(
                Rules.stream("wide", "a/#").qos(0).subscribeOn(Set.of(), Set.of("y")).build(),
                Rules.stream("narrow", "a/b").qos(2).build(),
                Rules.stream("same", "a/#").qos(1).build());

        Map<String, List<Subscription>> subscriptions = ReplicationEngine.subscriptions(rules, List.of("x", "y"));

        // Brokers may deliver one copy per matching subscription: overlapping filters would duplicate messages.
        assertThat(subscriptions.get("x")).containsExactly(new Subscription("a/#", 2));
        assertThat(subscriptions.get("y")).containsExactly(new Subscription("a/#", 2));
    }

    @Test
    void partlyOverlappingFiltersAreBothSubscribed() {
        List<TopicRule> rules = List.of(Rules.stream("one", "a/+/c").build(), Rules.stream("two", "a/b/+").build());

        assertThat(ReplicationEngine.subscriptions(rules, List.of("x")).get("x"))
                .extracting(Subscription::filter).containsExactly("a/+/c", "a/b/+");
    }
}
