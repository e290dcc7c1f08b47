package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EngineLifecycleTest {

    private EngineFixture fixture;

    @AfterEach
    void closeFixture() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void startGivesEveryBrokerTheSubscriptionsItsRulesNeed() {
        List<TopicRule> rules = List.of(Rules.state("s", "s/#").qos(2).build(), Rules.stream("e", "e/+").qos(0).build());
        fixture = EngineFixture.of(rules, "a", "b").start();

        assertThat(fixture.broker("a").subscriptions()).containsExactly(new Subscription("s/#", 2), new Subscription("e/+", 0));
        assertThat(fixture.broker("b").subscriptions()).isEqualTo(ReplicationEngine.subscriptions(rules, List.of("b")).get("b"));
    }

    @Test
    void closeStopsTakingMessagesAndLeavesThemToTheNextEngine() {
        fixture = EngineFixture.of(List.of(Rules.stream("t", "t/#").build()), "a", "b").start();
        fixture.engine.close();

        fixture.broker("a").clientPublish("t/1", "while-down");
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> fixture.broker("a").queued() == 1);
        assertThat(fixture.broker("b").acceptedPayloads()).isEmpty();

        fixture.start();
        fixture.settle();
        assertThat(fixture.broker("b").acceptedPayloads()).containsExactly("while-down");
    }

    @Test
    void mergeTicksRunOnTheEnginesOwnThreadUntilClosed() {
        InMemoryBroker a = new InMemoryBroker("a");
        InMemoryBroker b = new InMemoryBroker("b");
        try (ReplicationEngine engine = new ReplicationEngine("own-thread", 50, List.of(Rules.state("s", "s/#").build()), List.of(a, b),
                EngineOptions.defaults())) {
            engine.start();
            a.clientPublish("s/x", "v".getBytes(StandardCharsets.UTF_8), 1, true);

            await().atMost(Duration.ofSeconds(10)).until(() -> b.publishedByEngine().size() == 1);
            assertThat(Thread.getAllStackTraces().keySet()).anyMatch(thread -> thread.getName().equals("mqtt-replicator-merge-own-thread"));
        } finally {
            a.close();
            b.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(thread -> thread.getName().equals("mqtt-replicator-merge-own-thread")));
    }

    @Test
    void reportsTopicsAndMessagesInFlightAtEveryTick() {
        fixture = EngineFixture.of(List.of(Rules.state("s", "s/#").build(), Rules.stream("t", "t/#").build()), "a", "b").start();
        fixture.broker("a").clientPublish("s/1", "x");
        fixture.broker("a").clientPublish("s/2", "y");
        fixture.tick();
        fixture.broker("b").holdCompletions(true);
        fixture.broker("a").clientPublish("t/1", "z");
        await().atMost(EngineFixture.SETTLE).until(() -> fixture.broker("b").publishedByEngine().size() == 3 && fixture.broker("b").idle());

        fixture.scheduler.tick();

        assertThat(fixture.listener.cachedTopics.get()).isEqualTo(2);
        assertThat(fixture.listener.cachedTopicsByRule).containsExactly(Map.entry("s", 2));
        assertThat(fixture.listener.inFlight.get()).isEqualTo(1);
        assertThat(fixture.listener.inFlightByBroker).containsOnly(Map.entry("a", 1), Map.entry("b", 0));
        assertThat(fixture.listener.count("tick")).isEqualTo(2);
        assertThat(fixture.listener.count("received", "a")).isEqualTo(3);
        fixture.broker("b").holdCompletions(false);
        fixture.broker("b").completeHeld();
        fixture.tick();
        assertThat(fixture.listener.inFlight.get()).isZero();
        assertThat(fixture.listener.inFlightByBroker).containsOnly(Map.entry("a", 0), Map.entry("b", 0));
        assertThat(fixture.listener.count("latency")).isEqualTo(1);
    }

    @Test
    void rejectsWhatCannotWork() {
        List<TopicRule> rules = List.of(Rules.state("s", "s/#").build());
        List<BrokerEndpoint> twins = List.of(new InMemoryBroker("a"), new InMemoryBroker("a"));
        List<BrokerEndpoint> brokers = List.of(new InMemoryBroker("a"), new InMemoryBroker("b"));

        assertThatThrownBy(() -> new ReplicationEngine("r", 1, rules, twins, EngineOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unique");
        assertThatThrownBy(() -> new ReplicationEngine("r", 0, rules, brokers, EngineOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mergeFrequencyHz");
        assertThatThrownBy(() -> new ReplicationEngine("r", 1, List.of(Rules.state("bad", "s/#/x").build()), brokers, EngineOptions.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("s/#/x");
        assertThatThrownBy(() -> EngineOptions.defaults().withMaxInFlightPerSource(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
