package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.EngineListener.DropReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamReplicationTest {

    private EngineFixture fixture;

    @AfterEach
    void closeFixture() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static String text(BrokerMessage message) {
        return new String(message.payload(), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0} brokers")
    @ValueSource(ints = {2, 3, 5})
    void forwardsEachMessageExactlyOnceToEveryOtherBrokerAndNeverBackToItsOrigin(int brokerCount) throws Exception {
        String[] names = IntStream.range(0, brokerCount).mapToObj(i -> "b" + i).toArray(String[]::new);
        fixture = EngineFixture.of(List.of(Rules.stream("data", "data/#").build()), names).start();
        int writersPerBroker = 2;
        int messagesPerWriter = 300;
        ExecutorService writers = Executors.newFixedThreadPool(brokerCount * writersPerBroker);
        List<String> all = new ArrayList<>();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (String name : names) {
            for (int writer = 0; writer < writersPerBroker; writer++) {
                String prefix = name + "-" + writer + "-";
                IntStream.range(0, messagesPerWriter).forEach(i -> all.add(prefix + i));
                done.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < messagesPerWriter; i++) {
                        // few topics, so the same topic is written on several brokers at once
                        fixture.broker(name).clientPublish("data/" + (i % 5), prefix + i);
                    }
                }, writers));
            }
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        writers.shutdown();
        fixture.settle();

        for (String name : names) {
            InMemoryBroker broker = fixture.broker(name);
            // what a subscriber of '#' on this broker sees: every message of every broker, once
            assertThat(broker.acceptedPayloads()).hasSize(all.size()).containsExactlyInAnyOrderElementsOf(all);
            assertThat(broker.publishedByEngine()).extracting(StreamReplicationTest::text)
                    .hasSize(all.size() - writersPerBroker * messagesPerWriter)
                    .noneMatch(payload -> payload.startsWith(name + "-"));
        }
        assertThat(fixture.listener.dropped(DropReason.ECHO)).isEqualTo((long) all.size() * (brokerCount - 1));
    }

    @Test
    void keepsTheOrderOfEachSourcePerTopic() {
        fixture = EngineFixture.of(List.of(Rules.stream("t", "t/#").build()), "a", "b", "c").start();
        fixture.broker("b").holdCompletions(true);
        for (int i = 0; i < 600; i++) {
            fixture.broker("a").clientPublish("t/" + (i % 3), "a" + i);
            fixture.broker("c").clientPublish("t/" + (i % 3), "c" + i);
        }
        await().atMost(EngineFixture.SETTLE).until(() -> fixture.broker("b").publishedByEngine().size() == 1200);
        fixture.broker("b").holdCompletions(false);
        fixture.broker("b").completeHeld();
        fixture.settle();

        for (String target : List.of("b", "a", "c")) {
            for (String source : List.of("a", "c")) {
                for (int topic = 0; topic < 3; topic++) {
                    String name = "t/" + topic;
                    List<Integer> sequence = fixture.broker(target).publishedByEngine().stream()
                            .filter(message -> message.topic().equals(name) && text(message).startsWith(source))
                            .map(message -> Integer.parseInt(text(message).substring(1)))
                            .toList();
                    assertThat(sequence).as("%s from %s on %s", name, source, target).isSortedAccordingTo(Integer::compare);
                    if (!target.equals(source)) {
                        assertThat(sequence).hasSize(200);
                    }
                }
            }
        }
    }

    @Test
    void acknowledgesTheSourceOnlyAfterEveryTargetCompleted() {
        fixture = EngineFixture.of(List.of(Rules.stream("t", "t/#").build()), "a", "b", "c").start();
        fixture.broker("b").holdCompletions(true);

        fixture.broker("a").clientPublish("t/1", "m");
        await().atMost(EngineFixture.SETTLE).until(() ->
                fixture.broker("b").publishedByEngine().size() == 1 && fixture.broker("c").publishedByEngine().size() == 1);

        assertThat(fixture.broker("a").delivered()).isEqualTo(1);
        assertThat(fixture.broker("a").acknowledged()).isZero();
        fixture.broker("b").completeHeld();
        await().atMost(EngineFixture.SETTLE).until(() -> fixture.broker("a").acknowledged() == 1);
    }

    @Test
    void stopsTakingFromASourceWhileATargetDoesNotComplete() {
        fixture = new EngineFixture(List.of(new InMemoryBroker("a"), new InMemoryBroker("b")),
                List.of(Rules.stream("t", "t/#").build()), options -> options.withMaxInFlightPerSource(4)).start();
        InMemoryBroker a = fixture.broker("a");
        InMemoryBroker b = fixture.broker("b");
        b.holdCompletions(true);

        for (int i = 0; i < 20; i++) {
            a.clientPublish("t/" + i, "m" + i);
        }

        await().atMost(EngineFixture.SETTLE).until(() -> b.publishedByEngine().size() == 4);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> a.delivered() == 4 && a.queued() == 16);
        fixture.scheduler.tick();
        assertThat(fixture.listener.inFlight.get()).isEqualTo(4);

        await().atMost(EngineFixture.SETTLE).until(() -> {
            b.completeHeld();
            return a.acknowledged() == 20;
        });
        assertThat(b.publishedByEngine()).extracting(StreamReplicationTest::text)
                .containsExactlyElementsOf(IntStream.range(0, 20).mapToObj(i -> "m" + i).toList());
    }

    @Test
    void aFailedTargetPublishIsCountedAndTheSourceStillAcknowledged() {
        fixture = EngineFixture.of(List.of(Rules.stream("t", "t/#").build()), "a", "b", "c").start();
        fixture.broker("b").refusePublishes(true);

        fixture.broker("a").clientPublish("t/x", "m");
        fixture.settle();

        assertThat(fixture.broker("a").acknowledged()).isEqualTo(1);
        assertThat(fixture.broker("c").acceptedPayloads()).containsExactly("m");
        assertThat(fixture.listener.count("publishFailed", "b")).isEqualTo(1);

        // the failed publish expects no echo: the same message written on b later is b's own
        fixture.broker("b").refusePublishes(false);
        fixture.broker("b").clientPublish("t/x", "m");
        fixture.settle();
        assertThat(fixture.broker("c").acceptedPayloads()).containsExactly("m", "m");
    }

    @Test
    void publishesWithTheLowestOfMessageRuleAndTargetQos() {
        fixture = new EngineFixture(List.of(new InMemoryBroker("a"), new InMemoryBroker("b", true, 0), new InMemoryBroker("c", true, 2)),
                List.of(Rules.stream("t", "t/#").qos(1).build())).start();

        fixture.broker("a").clientPublish("t/two", "2".getBytes(StandardCharsets.UTF_8), 2, false);
        fixture.broker("a").clientPublish("t/zero", "0".getBytes(StandardCharsets.UTF_8), 0, false);
        fixture.settle();

        assertThat(fixture.broker("b").publishedByEngine()).extracting(BrokerMessage::qos).containsExactly(0, 0);
        assertThat(fixture.broker("c").publishedByEngine()).extracting(BrokerMessage::qos).containsExactly(1, 0);
    }

    @Test
    void forwardsRetainedWhenTheRuleSaysSoOrTheMessageIsARetainedReplay() {
        fixture = EngineFixture.of(List.of(Rules.stream("plain", "plain/#").build(), Rules.stream("kept", "kept/#").retain().build()), "a", "b");
        fixture.broker("a").clientPublish("plain/old", "r".getBytes(StandardCharsets.UTF_8), 1, true);
        fixture.start();
        fixture.settle();

        fixture.broker("a").clientPublish("plain/live", "l");
        fixture.broker("a").clientPublish("kept/live", "k");
        fixture.settle();

        assertThat(fixture.broker("b").publishedByEngine()).extracting(BrokerMessage::topic, BrokerMessage::retain)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("plain/old", true),
                        org.assertj.core.groups.Tuple.tuple("plain/live", false),
                        org.assertj.core.groups.Tuple.tuple("kept/live", true));
        assertThat(fixture.broker("b").retainedTexts()).containsOnlyKeys("plain/old", "kept/live");
    }

    @Test
    void subscribesAndPublishesOnlyWhereTheListsAllow() {
        TopicRule rule = Rules.stream("t", "t/#").subscribeOn(Set.of("a", "b"), Set.of()).publishTo(Set.of(), Set.of("b")).build();
        fixture = EngineFixture.of(List.of(rule), "a", "b", "c").start();

        fixture.broker("a").clientPublish("t/1", "from-a");
        fixture.broker("b").clientPublish("t/1", "from-b");
        fixture.broker("c").clientPublish("t/1", "from-c");
        fixture.settle();

        assertThat(fixture.broker("c").subscriptions()).isEmpty();
        assertThat(fixture.broker("a").acceptedPayloads()).containsExactlyInAnyOrder("from-a", "from-b");
        assertThat(fixture.broker("b").acceptedPayloads()).containsExactly("from-b");
        assertThat(fixture.broker("c").acceptedPayloads()).containsExactlyInAnyOrder("from-c", "from-a", "from-b");
    }

    @Test
    void dropsWhatTheMostSpecificRuleDoesNotTakeFromThatBrokerOrCannotPublishAnywhere() {
        fixture = EngineFixture.of(List.of(
                Rules.stream("wide", "x/#").build(),
                Rules.stream("special", "x/special").noSubscribe().subscribeOn(Set.of("a"), Set.of()).build(),
                Rules.stream("solo", "x/solo").noSubscribe().publishTo(Set.of("a"), Set.of()).build()), "a", "b").start();

        fixture.broker("b").clientPublish("x/special", "b-special");
        fixture.broker("a").clientPublish("x/special", "a-special");
        fixture.broker("a").clientPublish("x/solo", "a-solo");
        fixture.broker("b").clientPublish("x/solo", "b-solo");
        fixture.broker("b").clientPublish("x/other", "b-other");
        fixture.settle();

        assertThat(fixture.broker("a").acceptedPayloads()).containsExactlyInAnyOrder("a-special", "a-solo", "b-solo", "b-other");
        assertThat(fixture.broker("b").acceptedPayloads()).containsExactlyInAnyOrder("b-special", "a-special", "b-solo", "b-other");
        assertThat(fixture.listener.dropped(DropReason.DENIED, "b")).isEqualTo(1);
        assertThat(fixture.listener.dropped(DropReason.DENIED, "a")).isEqualTo(1);
        assertThat(fixture.broker("a").acknowledged() + fixture.broker("b").acknowledged()).isEqualTo(fixture.broker("a").delivered() + fixture.broker("b").delivered());
    }

    @Test
    void aNoSubscribeRuleAppliesItsSettingsToTopicsAnotherRuleReceives() {
        fixture = EngineFixture.of(List.of(
                Rules.stream("all", "canards/+").qos(1).build(),
                Rules.stream("name", "canards/name").noSubscribe().retain().qos(0).build()), "a", "b").start();

        fixture.broker("a").clientPublish("canards/name", "Donald");
        fixture.broker("a").clientPublish("canards/age", "7");
        fixture.settle();

        assertThat(fixture.broker("a").subscriptions()).containsExactly(new Subscription("canards/+", 1));
        assertThat(fixture.broker("b").publishedByEngine()).containsExactly(
                new BrokerMessage("canards/name", fixture.broker("b").publishedByEngine().get(0).payload(), 0, true),
                new BrokerMessage("canards/age", fixture.broker("b").publishedByEngine().get(1).payload(), 1, false));
        assertThat(fixture.broker("b").retainedTexts()).containsExactly(java.util.Map.entry("canards/name", "Donald"));
    }

    @Test
    void systemAndActiveMqTopicsAreAcknowledgedAndDropped() {
        fixture = EngineFixture.of(List.of(Rules.stream("all", "#").build()), "a", "b").start();

        fixture.broker("a").deliverToEngine(new BrokerMessage("$SYS/broker/uptime", "12 seconds".getBytes(StandardCharsets.UTF_8), 0, false));
        fixture.broker("a").clientPublish("ActiveMQ/Advisory/Consumer/Topic/x", "advice");
        fixture.broker("a").clientPublish("plain", "kept");
        fixture.settle();

        assertThat(fixture.broker("a").acknowledged()).isEqualTo(3);
        assertThat(fixture.broker("b").acceptedPayloads()).containsExactly("kept");
        assertThat(fixture.listener.dropped(DropReason.IGNORED, "a")).isEqualTo(2);
    }

    @Test
    void anEchoThatNeverCameIsNoLongerExpectedAfterTheExpiry() {
        fixture = EngineFixture.of(List.of(Rules.stream("t", "t/#").build()), "a", "b").start();
        fixture.broker("b").losePublishes(true);
        fixture.broker("a").clientPublish("t/1", "same");
        fixture.settle();
        fixture.broker("b").losePublishes(false);

        fixture.advance(Duration.ofSeconds(61));
        fixture.tick();
        fixture.broker("b").clientPublish("t/1", "same");
        fixture.settle();

        assertThat(fixture.broker("a").acceptedPayloads()).containsExactly("same", "same");
        assertThat(fixture.listener.dropped(DropReason.ECHO, "b")).isZero();
        assertThat(fixture.listener.dropped(DropReason.ECHO, "a")).isEqualTo(1);
    }

    @Test
    void endpointsWithoutEchoesAreExpectedToSendNone() {
        fixture = new EngineFixture(List.of(new InMemoryBroker("a", false, 2), new InMemoryBroker("b", false, 2)),
                List.of(Rules.stream("t", "t/#").build())).start();

        fixture.broker("a").clientPublish("t/1", "x");
        fixture.settle();
        fixture.broker("b").clientPublish("t/1", "x");
        fixture.settle();

        assertThat(fixture.broker("a").acceptedPayloads()).containsExactly("x", "x");
        assertThat(fixture.broker("b").acceptedPayloads()).containsExactly("x", "x");
        assertThat(fixture.listener.dropped(DropReason.ECHO)).isZero();
    }
}
