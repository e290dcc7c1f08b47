package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.Subscription;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PUBACK goes out only when the engine acks; nack and cancel lose nothing. */
class BrokerChannelAcknowledgementTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Subscription JOBS = new Subscription("jobs/#", 1);

    private MosquittoBroker broker;
    private TestMqttClient other;
    private final List<BrokerChannel> channels = new ArrayList<>();

    @BeforeEach
    void startBroker() {
        broker = MosquittoBroker.builder().name("ack").start();
        other = TestMqttClient.connect(broker.port());
    }

    @AfterEach
    void stopAll() {
        channels.forEach(BrokerChannel::close);
        other.close();
        broker.close();
    }

    private BrokerChannel persistentChannel(String clientId) {
        BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).clientId(clientId).persistentSession()
                .build(), List.of(JOBS));
        channels.add(channel);
        return channel;
    }

    /** Connects a channel and waits until its subscription is active (the retained marker arrived). */
    private InboundRecorder startAndAwaitSubscribed(BrokerChannel channel, long request) {
        InboundRecorder inbound = InboundRecorder.manual(channel, request);
        channel.start();
        await().atMost(WAIT).until(() -> !inbound.on("jobs/ready").isEmpty());
        inbound.first("jobs/ready").ack();
        return inbound;
    }

    @Test
    void aMessageReceivedButNotAckedIsRedeliveredToTheNextChannelWithTheSameSession() {
        other.publish("jobs/ready", "marker", 1, true);
        BrokerChannel first = persistentChannel("ack-redelivery");
        InboundRecorder firstInbound = startAndAwaitSubscribed(first, 100);

        other.publish("jobs/one", "unacked", 1, false);
        other.publish("jobs/two", "acked", 1, false);
        await().atMost(WAIT).until(() -> firstInbound.on("jobs/two").size() == 1);
        firstInbound.first("jobs/two").ack();
        first.close();

        BrokerChannel second = persistentChannel("ack-redelivery");
        InboundRecorder secondInbound = InboundRecorder.manual(second, 100);
        second.start();
        // jobs/two too: it was acked, but its PUBACK waited behind jobs/one's (the client keeps MQTT's order)
        await().atMost(WAIT).until(() -> secondInbound.on("jobs/one").size() == 1 && secondInbound.on("jobs/two").size() == 1
                && !secondInbound.on("jobs/ready").isEmpty());
        assertThat(secondInbound.texts("jobs/one")).containsExactly("unacked");
        secondInbound.messages().forEach(message -> message.ack());
        second.close();

        BrokerChannel third = persistentChannel("ack-redelivery");
        InboundRecorder thirdInbound = InboundRecorder.manual(third, 100);
        third.start();
        await().atMost(WAIT).until(() -> !thirdInbound.on("jobs/ready").isEmpty());
        other.publish("jobs/three", "after", 1, false);
        await().atMost(WAIT).until(() -> thirdInbound.on("jobs/three").size() == 1);
        assertThat(thirdInbound.on("jobs/one")).as("acked by the second channel").isEmpty();
        assertThat(thirdInbound.on("jobs/two")).isEmpty();
    }

    @Test
    void aNackedMessageIsRedeliveredOnTheSameChannelAndLaterMessagesAreAcknowledged() {
        other.publish("jobs/ready", "marker", 1, true);
        BrokerChannel channel = persistentChannel("ack-nack");
        List<ConnectionEvent> ends = new CopyOnWriteArrayList<>();
        channel.addStateListener(event -> event.ended().ifPresent(origin -> ends.add(event)));
        InboundRecorder inbound = startAndAwaitSubscribed(channel, 100);

        other.publish("jobs/one", "refused once", 1, false);
        await().atMost(WAIT).until(() -> inbound.on("jobs/one").size() == 1);
        inbound.first("jobs/one").nack(new RuntimeException("target not reachable"));

        await().atMost(WAIT).until(() -> inbound.on("jobs/one").size() == 2);
        assertThat(inbound.texts("jobs/one")).containsExactly("refused once", "refused once");
        assertThat(ends).as("the replicator closed the connection itself, and says why").singleElement()
                .satisfies(end -> {
                    assertThat(end.ended()).contains(ConnectionEnd.REPLICATOR);
                    assertThat(end.error()).contains(
                            "closed by the replicator: reconnecting so that the broker redelivers nacked messages");
                });
        inbound.messages().stream().filter(message -> message.getPayload().topic().equals("jobs/one")).skip(1)
                .forEach(message -> message.ack());
        other.publish("jobs/two", "next", 1, false);
        await().atMost(WAIT).until(() -> inbound.on("jobs/two").size() == 1);
        inbound.first("jobs/two").ack();
        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);
        channel.close();

        BrokerChannel next = persistentChannel("ack-nack");
        InboundRecorder nextInbound = InboundRecorder.manual(next, 100);
        next.start();
        await().atMost(WAIT).until(() -> !nextInbound.on("jobs/ready").isEmpty());
        other.publish("jobs/three", "after", 1, false);
        await().atMost(WAIT).until(() -> nextInbound.on("jobs/three").size() == 1);
        assertThat(nextInbound.on("jobs/one")).as("acknowledged after the redelivery").isEmpty();
        assertThat(nextInbound.on("jobs/two")).as("acknowledged, not held back by the nacked message").isEmpty();
    }

    @Test
    void withoutDemandNothingIsDeliveredAndNothingIsAcknowledged() {
        other.publish("jobs/ready", "marker", 1, true);
        BrokerChannel channel = persistentChannel("ack-backpressure");
        InboundRecorder inbound = startAndAwaitSubscribed(channel, 1);

        for (int i = 0; i < 5; i++) {
            other.publish("jobs/" + i, "job " + i, 1, false);
        }
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> inbound.messages().size() == 1);

        inbound.request(5);
        await().atMost(WAIT).until(() -> inbound.messages().size() == 6);
        assertThat(inbound.payloads()).extracting(message -> message.topic())
                .containsExactly("jobs/ready", "jobs/0", "jobs/1", "jobs/2", "jobs/3", "jobs/4");
    }

    @Test
    void inboundCanBeSubscribedAgainAfterTheSubscriberCancelled() {
        other.publish("jobs/ready", "marker", 1, true);
        BrokerChannel channel = persistentChannel("ack-resubscribe");
        InboundRecorder first = startAndAwaitSubscribed(channel, 3);
        other.publish("jobs/a", "a", 1, false);
        await().atMost(WAIT).until(() -> first.on("jobs/a").size() == 1);
        first.first("jobs/a").ack();
        first.cancel();

        other.publish("jobs/b", "b", 1, false);
        other.publish("jobs/c", "c", 1, false);
        InboundRecorder second = InboundRecorder.acking(channel);

        await().atMost(WAIT).until(() -> second.on("jobs/c").size() == 1);
        assertThat(second.payloads()).extracting(message -> message.topic()).containsExactly("jobs/b", "jobs/c");
        assertThat(first.on("jobs/b")).isEmpty();

        InboundRecorder third = InboundRecorder.acking(channel);
        await().atMost(WAIT).until(() -> third.failure() != null);
        assertThat(third.failure()).isInstanceOf(IllegalStateException.class).hasMessageContaining("already has a subscriber");
    }
}
