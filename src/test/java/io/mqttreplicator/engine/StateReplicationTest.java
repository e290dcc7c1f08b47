package io.mqttreplicator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mqttreplicator.engine.EngineListener.DropReason;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.msgpack.jackson.dataformat.MessagePackFactory;

class StateReplicationTest {

    private static final String TOPIC = "s/lamp";
    private EngineFixture fixture;

    @AfterEach
    void closeFixture() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private EngineFixture start(TopicRule rule, String... brokers) {
        fixture = EngineFixture.of(List.of(rule), brokers).start();
        return fixture;
    }

    private InMemoryBroker broker(String name) {
        return fixture.broker(name);
    }

    /** A client sets the topic's state on a broker (a retained publish). */
    private void write(String broker, String topic, String value) {
        broker(broker).clientPublish(topic, value.getBytes(StandardCharsets.UTF_8), 1, true);
    }

    private void delete(String broker, String topic) {
        broker(broker).clientPublish(topic, new byte[0], 1, true);
    }

    private List<String> publishedTo(String broker) {
        return broker(broker).publishedByEngine().stream().map(message -> new String(message.payload(), StandardCharsets.UTF_8)).toList();
    }

    private void assertEverywhere(String topic, String value) {
        fixture.brokers.values().forEach(broker -> assertThat(broker.retainedText(topic)).as("%s on %s", topic, broker.name()).isEqualTo(value));
    }

    @Test
    void aBrokerThatDoesNotAcknowledgeGetsOneWindowOfPublishesAndTheOthersGetEverything() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b", "c");
        int window = ReplicationEngine.STATE_PUBLISHES_PER_TARGET;
        int topics = window + 100;
        broker("b").holdCompletions(true);
        for (int i = 0; i < topics; i++) {
            write("a", "s/" + i, "v" + i);
        }
        fixture.tick();

        assertThat(broker("c").publishedByEngine()).hasSize(topics);
        assertThat(broker("b").publishedByEngine()).hasSize(window);

        // a new write to a topic still waiting for b reaches c at the next tick
        String waiting = "s/" + (topics - 1);
        write("a", waiting, "newer");
        fixture.tick();
        assertThat(broker("c").retainedText(waiting)).isEqualTo("newer");
        assertThat(broker("b").retainedText(waiting)).isNull();
        assertThat(broker("b").publishedByEngine()).hasSize(window);

        broker("b").holdCompletions(false);
        broker("b").completeHeld();
        fixture.tick();

        assertThat(broker("b").publishedByEngine()).hasSize(topics);
        assertThat(broker("b").retainedText(waiting)).isEqualTo("newer");
        assertThat(broker("b").retainedTexts()).isEqualTo(broker("c").retainedTexts());
        assertThat(broker("b").retainedTexts()).hasSize(topics);
    }

    @Test
    void topicsWaitingForRoomGoOutOldestFirstAsRoomFreesUp() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        int window = ReplicationEngine.STATE_PUBLISHES_PER_TARGET;
        broker("b").holdCompletions(true);
        for (int i = 0; i < 3 * window; i++) {
            write("a", "s/" + i, "v" + i);
        }
        fixture.tick();
        assertThat(broker("b").publishedByEngine()).hasSize(window);

        // less than half the window back: no extra merge, the next tick fills exactly the room
        int room = window / 4 + 1;
        broker("b").completeHeld(room);
        fixture.tick();

        List<BrokerMessage> published = broker("b").publishedByEngine();
        assertThat(published).hasSize(window + room);
        assertThat(published.subList(window, window + room)).extracting(BrokerMessage::topic)
                .isEqualTo(IntStream.range(window, window + room).mapToObj(i -> "s/" + i).toList());
    }

    @Test
    void convergesOnTheLatestWriteWithLastwinAndSettles() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");

        write("a", TOPIC, "1");
        fixture.tick();
        assertEverywhere(TOPIC, "1");

        write("b", TOPIC, "2");
        fixture.settle(); // brokers deliver on their own threads: make "3" arrive later
        write("a", TOPIC, "3");
        fixture.tick();
        fixture.tick();

        assertEverywhere(TOPIC, "3");
        assertThat(publishedTo("b")).containsExactly("1", "3");
        assertThat(publishedTo("a")).isEmpty();
        assertThat(fixture.listener.dropped(DropReason.ECHO, "b")).isEqualTo(2);
    }

    @Test
    void publishesNothingWhenEveryBrokerAlreadyHoldsTheValue() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b", "c");

        write("a", TOPIC, "same");
        write("b", TOPIC, "same");
        write("c", TOPIC, "same");
        fixture.tick();

        assertThat(fixture.brokers.values()).allSatisfy(broker -> assertThat(broker.publishedByEngine()).isEmpty());
    }

    @Test
    void aWriteEqualToTheBrokersLastValueIsADuplicate() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", TOPIC, "1");
        fixture.tick();

        write("a", TOPIC, "1");
        write("b", TOPIC, "1");
        fixture.tick();

        assertThat(publishedTo("b")).containsExactly("1");
        assertThat(fixture.listener.dropped(DropReason.DUPLICATE)).isEqualTo(2);
    }

    @Test
    void aBrokerWithoutTheValueGetsIt() {
        start(Rules.state("s", "s/#").build(), "a", "b", "c");

        write("b", TOPIC, "v");
        fixture.tick();

        assertThat(publishedTo("a")).containsExactly("v");
        assertThat(publishedTo("c")).containsExactly("v");
        assertThat(broker("a").publishedByEngine()).allSatisfy(message -> assertThat(message.retain()).isFalse());
    }

    @Test
    void biggestKeepsTheBiggestValue() {
        start(Rules.state("s", "s/#").retain().merge("biggest").build(), "a", "b");
        write("a", TOPIC, "5");
        fixture.tick();

        write("b", TOPIC, "3");
        fixture.tick();
        assertEverywhere(TOPIC, "5");

        write("b", TOPIC, "9");
        fixture.tick();
        assertEverywhere(TOPIC, "9");
    }

    @Test
    void jsonbiggestComparesTheNumberAtThePath() {
        start(Rules.state("s", "s/#").retain().merge("jsonbiggest:reading.value").build(), "a", "b");

        write("a", TOPIC, "{\"reading\":{\"value\":10}}");
        write("b", TOPIC, "{\"reading\":{\"value\":2}}");
        fixture.tick();

        assertEverywhere(TOPIC, "{\"reading\":{\"value\":10}}");
    }

    @Test
    void msgpackbiggestComparesTheNumberAtThePath() throws Exception {
        start(Rules.state("s", "s/#").retain().merge("msgpackbiggest:value").build(), "a", "b");
        ObjectMapper msgpack = new ObjectMapper(new MessagePackFactory());
        byte[] big = msgpack.writeValueAsBytes(Map.of("value", 70_000));
        byte[] small = msgpack.writeValueAsBytes(Map.of("value", 4));

        broker("a").clientPublish(TOPIC, big, 1, true);
        broker("b").clientPublish(TOPIC, small, 1, true);
        fixture.tick();

        assertThat(broker("a").retainedPayload(TOPIC)).isEqualTo(big);
        assertThat(broker("b").retainedPayload(TOPIC)).isEqualTo(big);
    }

    @ParameterizedTest(name = "draw {0} -> {1}")
    @CsvSource({"0, from-a", "1, from-b"})
    void randomTakesTheDrawnCandidate(int draw, String expected) {
        RandomGenerator fixed = new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public int nextInt(int bound) {
                return draw;
            }
        };
        fixture = new EngineFixture(List.of(new InMemoryBroker("a"), new InMemoryBroker("b")),
                List.of(Rules.state("s", "s/#").retain().merge("random").build()), options -> options.withRandom(fixed)).start();

        write("a", TOPIC, "from-a");
        write("b", TOPIC, "from-b");
        fixture.tick();

        assertEverywhere(TOPIC, expected);
    }

    @Test
    void aDeletionPropagatesAsAnEmptyRetainedPublish() {
        start(Rules.state("s", "s/#").build(), "a", "b");
        write("a", TOPIC, "on");
        fixture.tick();

        delete("a", TOPIC);
        fixture.tick();

        BrokerMessage deletion = broker("b").publishedByEngine().get(1);
        assertThat(deletion.payload()).isEmpty();
        assertThat(deletion.retain()).isTrue();
        assertEverywhere(TOPIC, null);
    }

    @Test
    void aTopicWithoutTrafficForTheTtlIsDeletedEverywhereWithAnEmptyRetainedQos1Publish() {
        start(Rules.state("s", "s/#").retain().qos(2).ttl(Duration.ofSeconds(10)).build(), "a", "b");
        write("a", TOPIC, "x");
        fixture.tick();

        fixture.advance(Duration.ofSeconds(6));
        write("a", TOPIC, "x"); // a duplicate keeps the topic alive
        fixture.tick();
        fixture.advance(Duration.ofSeconds(6));
        fixture.tick();
        assertEverywhere(TOPIC, "x");

        fixture.advance(Duration.ofSeconds(5));
        fixture.tick();

        assertEverywhere(TOPIC, null);
        for (String name : List.of("a", "b")) {
            List<BrokerMessage> published = broker(name).publishedByEngine();
            assertThat(published.get(published.size() - 1)).isEqualTo(new BrokerMessage(TOPIC, published.get(published.size() - 1).payload(), 1, true));
            assertThat(published.get(published.size() - 1).payload()).isEmpty();
        }
        assertThat(fixture.listener.dropped(DropReason.EXPIRED)).isEqualTo(2);
        fixture.tick();
        assertThat(fixture.listener.cachedTopics.get()).isZero();
        assertThat(fixture.listener.cachedTopicsByRule).containsExactly(Map.entry("s", 0));
    }

    @Test
    void aReplayEqualToTheBrokersLastValueDoesNotOverwriteANewerValue() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", TOPIC, "v1");
        fixture.tick();

        write("a", TOPIC, "v2");
        broker("b").replayRetained(); // b reconnects and replays v1, after a's newer write
        fixture.tick();

        assertEverywhere(TOPIC, "v2");
        assertThat(fixture.listener.dropped(DropReason.DUPLICATE, "b")).isEqualTo(1);
    }

    @Test
    void aReplayOfTheValueABrokerHeldBeforeItMissedAnUpdateGetsTheUpdateAgain() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", TOPIC, "v1");
        fixture.tick();
        broker("b").losePublishes(true);
        write("a", TOPIC, "v2");
        fixture.tick();
        broker("b").losePublishes(false);
        assertThat(broker("b").retainedText(TOPIC)).isEqualTo("v1");

        broker("b").replayRetained();
        fixture.tick();

        assertEverywhere(TOPIC, "v2");
    }

    @Test
    void aDeletedTopicIsNotBroughtBackByABrokerThatMissedTheDeletion() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", TOPIC, "old");
        fixture.tick();
        broker("b").losePublishes(true);
        delete("a", TOPIC);
        fixture.tick();
        broker("b").losePublishes(false);

        broker("b").replayRetained();
        fixture.tick();

        assertEverywhere(TOPIC, null);
        assertThat(fixture.listener.cachedTopics.get()).isEqualTo(1);
    }

    @Test
    void aTombstoneIsForgottenAfterTheRetention() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", TOPIC, "old");
        fixture.tick();
        delete("a", TOPIC);
        fixture.tick();
        assertThat(fixture.listener.cachedTopics.get()).isEqualTo(1);

        fixture.advance(Duration.ofMinutes(61));
        fixture.tick();

        assertThat(fixture.listener.cachedTopics.get()).isZero();
    }

    @Test
    void tombstonesAreForgottenAfterTheRetentionAlsoWhenASweepFoundThemYoung() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", "s/1", "one");
        write("a", "s/2", "two");
        fixture.tick();
        delete("a", "s/1");
        fixture.tick();
        fixture.advance(Duration.ofSeconds(2));
        fixture.tick(); // a sweep that keeps the young tombstone
        fixture.advance(Duration.ofMinutes(61));
        fixture.tick();
        assertThat(fixture.listener.cachedTopics.get()).as("s/1 forgotten, s/2 kept").isEqualTo(1);

        delete("a", "s/2");
        fixture.tick();
        fixture.advance(Duration.ofSeconds(2));
        fixture.tick();
        fixture.advance(Duration.ofMinutes(61));
        fixture.tick();

        assertThat(fixture.listener.cachedTopics.get()).isZero();
        assertEverywhere("s/1", null);
        assertEverywhere("s/2", null);
    }

    @Test
    void afterARestartAQueuedLiveDeletionBeatsAReplayedOldValue() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", TOPIC, "old");
        fixture.tick();
        fixture.engine.close();
        delete("b", TOPIC); // queued in the engine's session on b while the replicator is down

        fixture.start();
        broker("a").replayRetained(); // the new connections subscribe again: a replays the old value
        broker("b").replayRetained();
        fixture.tick();

        assertEverywhere(TOPIC, null);
        assertThat(broker("a").publishedByEngine()).singleElement().satisfies(message -> assertThat(message.payload()).isEmpty());
    }

    @Test
    void brokersConvergeWhenAClientWriteRacesTheEnginesPublish() {
        start(Rules.state("s", "s/#").retain().build(), "a", "b");
        write("a", TOPIC, "engine");
        fixture.settle();
        broker("b").pausePublishes(true);
        fixture.tick(); // the engine publishes "engine" to b: still on its way

        write("b", TOPIC, "client"); // reaches b first
        fixture.settle();
        broker("b").arrivePausedPublishes(); // b now holds "engine", and echoes it
        broker("b").pausePublishes(false);
        fixture.settle();
        fixture.tick();
        fixture.tick();

        // b processed the engine's publish last: both keep it, rather than a getting "client" while b holds "engine"
        assertEverywhere(TOPIC, "engine");
    }

    /**
     * Issue 5, a partition between the engine and b: a's client writes 7 and the engine publishes it
     * to b into the dead link, where it stays in transit until the link heals (the client resends it
     * then); b's client writes 9, which reaches the engine only after healing.
     */
    private void partitionWithWritesOnBothSides(String merge) {
        start(Rules.state("s", "s/#").retain().merge(merge).build(), "a", "b");
        write("a", TOPIC, "7");
        fixture.settle();
        broker("b").pausePublishes(true);
        fixture.tick();
        assertThat(publishedTo("b")).containsExactly("7");
    }

    private void healPartition() {
        broker("b").arrivePausedPublishes();
        broker("b").pausePublishes(false);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"biggest, 9", "lastwin, 7"})
    void afterAPartitionTheWriteBeforeTheResentPublishTakesPartInTheMerge(String merge, String expected) {
        partitionWithWritesOnBothSides(merge);

        write("b", TOPIC, "9"); // b handles its client's write first, then the engine's resent 7
        fixture.settle();
        healPartition();
        fixture.settle();
        fixture.tick();
        fixture.tick();

        // lastwin: b handled 7 last, so both keep it; biggest: 9, although b no longer holds it
        assertEverywhere(TOPIC, expected);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"biggest, 9", "lastwin, 7"})
    void afterAPartitionAReplayAfterTheResentPublishKeepsTheOverwrittenWriteInTheMerge(String merge, String expected) {
        partitionWithWritesOnBothSides(merge);

        write("b", TOPIC, "9");
        fixture.settle();
        healPartition();
        broker("b").replayRetained(); // the engine subscribes again after reconnecting
        fixture.settle();
        fixture.tick();
        fixture.tick();

        assertEverywhere(TOPIC, expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"biggest", "lastwin"})
    void afterAPartitionATickBetweenTheWriteAndTheResentPublishConvergesOnTheWrite(String merge) {
        partitionWithWritesOnBothSides(merge);

        write("b", TOPIC, "9");
        fixture.tick(); // 9 wins and goes to a before b echoes the resent 7
        healPartition();
        fixture.settle();
        fixture.tick();
        fixture.tick();

        assertEverywhere(TOPIC, "9");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"biggest", "lastwin"})
    void afterAPartitionAWriteAfterTheResentPublishWins(String merge) {
        partitionWithWritesOnBothSides(merge);

        healPartition(); // b handles the resent 7 first and echoes it
        fixture.settle();
        write("b", TOPIC, "9");
        fixture.settle();
        fixture.tick();
        fixture.tick();

        assertEverywhere(TOPIC, "9");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"biggest", "lastwin"})
    void afterAPartitionLongerThanTheEchoExpiryTheBrokersStillAgree(String merge) {
        partitionWithWritesOnBothSides(merge);
        write("b", TOPIC, "9");
        fixture.settle();
        fixture.advance(Duration.ofSeconds(61));
        fixture.tick(); // the expected echo of 7 lapses

        healPartition(); // so the resent 7 looks like b's client writing it after 9
        fixture.settle();
        fixture.tick();
        fixture.tick();

        assertThat(broker("b").retainedText(TOPIC)).isNotNull();
        assertEverywhere(TOPIC, broker("b").retainedText(TOPIC));
    }

    @Test
    void publishesOnlyToTheBrokersTheRuleAllows() {
        start(Rules.state("s", "s/#").retain().subscribeOn(Set.of(), Set.of("c")).publishTo(Set.of(), Set.of("b")).build(), "a", "b", "c");

        write("b", TOPIC, "from-b");
        write("c", "s/other", "from-c");
        fixture.tick();

        assertThat(broker("a").retainedText(TOPIC)).isEqualTo("from-b");
        assertThat(broker("c").retainedText(TOPIC)).isEqualTo("from-b");
        assertThat(broker("b").publishedByEngine()).isEmpty();
        assertThat(broker("a").retainedText("s/other")).isNull();
    }

    @Test
    void brokersConvergeUnderConcurrentWritesAndTicks() throws Exception {
        start(Rules.state("s", "s/#").retain().build(), "a", "b", "c");
        ExecutorService writers = Executors.newFixedThreadPool(3);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            done.add(CompletableFuture.runAsync(() -> {
                SplittableRandom random = new SplittableRandom(name.hashCode());
                for (int i = 0; i < 3000; i++) {
                    // values repeat, and some writes delete: echoes and client writes look alike
                    write(name, "s/" + random.nextInt(50), name + random.nextInt(300));
                    if (i % 100 == 0) {
                        delete(name, "s/" + random.nextInt(50));
                    }
                }
            }, writers));
        }
        CompletableFuture<Void> ticking = CompletableFuture.runAsync(() -> {
            while (writing.get()) {
                fixture.scheduler.tick();
            }
        });
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        writing.set(false);
        ticking.get(30, TimeUnit.SECONDS);
        writers.shutdown();

        await().atMost(EngineFixture.SETTLE).untilAsserted(() -> {
            fixture.tick();
            assertThat(broker("b").retainedTexts()).isEqualTo(broker("a").retainedTexts());
            assertThat(broker("c").retainedTexts()).isEqualTo(broker("a").retainedTexts());
        });
        int published = fixture.brokers.values().stream().mapToInt(broker -> broker.publishedByEngine().size()).sum();
        fixture.tick();
        fixture.tick();
        assertThat(fixture.brokers.values().stream().mapToInt(broker -> broker.publishedByEngine().size()).sum()).isEqualTo(published);
    }

    @Test
    void manyNewTopicsConvergeInOneTick() {
        start(Rules.state("s", "bench/#").build(), "a", "b");
        int topics = 100_000;
        for (int i = 0; i < topics; i++) {
            broker("a").clientPublish("bench/" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), 1, false);
        }
        fixture.settle();

        long start = System.nanoTime();
        fixture.scheduler.tick();
        long tick = System.nanoTime() - start;
        fixture.settle();

        assertThat(broker("b").publishedByEngine()).hasSize(topics);
        assertThat(fixture.listener.dropped(DropReason.ECHO, "b")).isEqualTo(topics);
        System.out.printf("%d new topics: merge tick %d ms, echoes back after %d ms%n", topics, tick / 1_000_000, (System.nanoTime() - start) / 1_000_000);
    }
}
