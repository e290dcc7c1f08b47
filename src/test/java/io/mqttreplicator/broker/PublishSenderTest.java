package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.BrokerMessage;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TcpProxy;
import io.mqttreplicator.testing.TestMqttClient;
import io.mqttreplicator.testing.TestMqttClient.Received;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The channel's own publish path ({@link PublishSender}) against a real Mosquitto: every QoS, both
 * protocol versions, the broker's Receive Maximum, and a connection that ends with publishes in
 * flight.
 */
class PublishSenderTest {

    private static final Duration BOUND = Duration.ofSeconds(30);
    private static final int MESSAGES = 600;

    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(ints = {4, 5})
    void everyPublishArrivesOnceWithItsTopicPayloadQosAndRetainFlag(int protocolVersion) {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("sender").start();
                TestMqttClient subscriber = TestMqttClient.connect(broker.port()).subscribe("s/#", 2);
                BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).protocolVersion(protocolVersion)
                        .build(), List.of())) {
            channel.start();
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                // a topic with a character of several UTF-8 bytes, and a payload bigger than a batch now and then
                byte[] payload = (i % 100 == 7 ? "x".repeat(70_000) + i : "payload-" + i).getBytes(StandardCharsets.UTF_8);
                published.add(channel.publish(new BrokerMessage("s/température/" + i, payload, i % 3, false,
                        protocolVersion == 5 ? "replication/a" : null)).toCompletableFuture());
            }
            channel.publish(new BrokerMessage("s/kept", "retained".getBytes(StandardCharsets.UTF_8), 1, true));

            assertThat(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))).succeedsWithin(BOUND);
            // over MQTT 3.1.1 too, Mosquitto acknowledges and drops what comes beyond 20 QoS 2 publishes in flight
            await().atMost(BOUND).until(() -> subscriber.received().size() >= MESSAGES + 1);
            Map<String, Received> byTopic = subscriber.received().stream()
                    .collect(Collectors.toMap(Received::topic, Function.identity()));
            assertThat(byTopic).as("each once").hasSize(MESSAGES + 1);
            for (int i = 0; i < MESSAGES; i++) {
                Received received = byTopic.get("s/température/" + i);
                assertThat(received.qos()).isEqualTo(i % 3);
                assertThat(received.text()).endsWith(i % 100 == 7 ? "x" + i : "payload-" + i);
            }
            try (TestMqttClient late = TestMqttClient.connect(broker.port()).subscribe("s/kept", 1)) {
                await().atMost(BOUND).until(() -> late.received().size() == 1);
                assertThat(late.received().get(0).retain()).isTrue();
                assertThat(late.received().get(0).text()).isEqualTo("retained");
            }
        }
    }

    /**
     * Mosquitto gives MQTT 5 clients a Receive Maximum of its max_inflight_messages, and ends the
     * connection of a client that has more QoS 2 publishes unacknowledged.
     */
    @ParameterizedTest(name = "Receive Maximum {0}")
    @ValueSource(ints = {1, 5})
    void noMoreThanTheBrokersReceiveMaximumWaitForTheirAcknowledgement(int receiveMaximum) {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("receive-maximum")
                .config("max_inflight_messages " + receiveMaximum).start();
                TestMqttClient subscriber = TestMqttClient.connect(broker.port()).subscribe("r/#", 2);
                BrokerChannel channel = new BrokerChannel(TestSettings.of(broker.url()).protocolVersion(5)
                        .clientId("bounded").build(), List.of())) {
            channel.start();
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                published.add(channel.publish(new BrokerMessage("r/" + i, ("m" + i).getBytes(StandardCharsets.UTF_8), 2,
                        false)).toCompletableFuture());
            }

            assertThat(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))).succeedsWithin(BOUND);
            await().atMost(BOUND).until(() -> subscriber.received().size() == 200);
            assertThat(subscriber.received().stream().map(Received::topic).distinct()).hasSize(200);
            assertThat(broker.log()).doesNotContain("receive maximum", "Receive Maximum");
            assertThat(broker.countInLog("as bounded (")).as("connections of the channel").isEqualTo(1);
        }
    }

    /**
     * A broker that comes back with a lower Receive Maximum, while more publishes than that wait for
     * their acknowledgement in the session: they are sent again no more than it allows at a time, and
     * QoS 2 arrives exactly once. Sent all at once, Mosquitto refuses the ones beyond its limit.
     */
    @Test
    void unacknowledgedPublishesAreSentAgainWithinAReceiveMaximumLoweredMeanwhile() {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("lowered").persistence(true)
                .config("max_inflight_messages 100").start();
                TcpProxy proxy = TcpProxy.start(broker.port());
                BrokerChannel channel = new BrokerChannel(TestSettings.of(proxy.url()).protocolVersion(5)
                        .clientId("lowered").persistentSession().reconnectDelay(Duration.ofMillis(100)).build(), List.of())) {
            channel.start();
            await().atMost(BOUND).until(() -> channel.state() == ConnectionState.CONNECTED);

            proxy.blackhole();
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                published.add(channel.publish(new BrokerMessage("l/" + i, ("m" + i).getBytes(StandardCharsets.UTF_8), 2, false))
                        .toCompletableFuture());
            }
            await().during(Duration.ofMillis(300)).atMost(BOUND).until(() -> published.stream().noneMatch(CompletableFuture::isDone));
            broker.restartWith("max_inflight_messages 10");
            try (TestMqttClient subscriber = TestMqttClient.connect(broker.port()).subscribe("l/#", 2)) {
                proxy.heal();

                assertThat(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))).succeedsWithin(BOUND);
                await().atMost(BOUND).until(() -> subscriber.received().size() >= 300);
                await().during(Duration.ofMillis(500)).atMost(BOUND).until(() -> subscriber.received().size() == 300);
                assertThat(subscriber.received().stream().map(Received::topic).distinct()).as("each once").hasSize(300);
                assertThat(broker.countInLog("as lowered ("))
                        .as("connections of the channel: the first, and one after the restart").isEqualTo(2);
            }
        }
    }

    /**
     * Nothing overtakes what waits to be sent again for room under a lowered Receive Maximum, not
     * even a QoS 0 publish, which needs no room: made while the connection was down, it arrives last.
     */
    @Test
    void aQos0PublishDoesNotOvertakeWhatWaitsToBeSentAgain() {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("order").persistence(true)
                .config("max_inflight_messages 100").start();
                TcpProxy proxy = TcpProxy.start(broker.port());
                BrokerChannel channel = new BrokerChannel(TestSettings.of(proxy.url()).protocolVersion(5)
                        .clientId("order").persistentSession().reconnectDelay(Duration.ofSeconds(2)).build(), List.of())) {
            channel.start();
            await().atMost(BOUND).until(() -> channel.state() == ConnectionState.CONNECTED);

            proxy.blackhole();
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < 100; i++) { // as many as the broker takes in flight: all written
                // QoS 1: Mosquitto hands a QoS 2 message on at its PUBREL, after a QoS 0 one sent before that
                published.add(channel.publish(new BrokerMessage("o/" + i, ("m" + i).getBytes(StandardCharsets.UTF_8), 1, false))
                        .toCompletableFuture());
            }
            await().during(Duration.ofMillis(300)).atMost(BOUND).until(() -> published.stream().noneMatch(CompletableFuture::isDone));
            broker.restartWith("max_inflight_messages 10");
            // at QoS 0, which the broker hands on as it arrives: its in-flight limit of 10 holds back QoS 1 and 2 only
            try (TestMqttClient subscriber = TestMqttClient.connect(broker.port()).subscribe("o/#", 0)) {
                proxy.heal();
                await().atMost(BOUND).until(() -> channel.state() != ConnectionState.CONNECTED);
                published.add(channel.publish(new BrokerMessage("o/last", "last".getBytes(StandardCharsets.UTF_8), 0, false))
                        .toCompletableFuture());

                assertThat(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))).succeedsWithin(BOUND);
                await().atMost(BOUND).until(() -> subscriber.received().size() >= 101);
                List<String> topics = subscriber.received().stream().map(Received::topic).toList();
                assertThat(topics).as("each once").doesNotHaveDuplicates().hasSize(101);
                assertThat(topics.get(100)).as("the QoS 0 publish, made last").isEqualTo("o/last");
            }
        }
    }

    /**
     * Publishes unacknowledged when the connection ends are sent again on the next one: QoS 2 arrives
     * exactly once (the broker kept the session and its identifiers), QoS 1 at least once.
     */
    @ParameterizedTest(name = "MQTT {0}")
    @ValueSource(ints = {4, 5})
    void whatAConnectionLeftUnacknowledgedIsSentAgainOnTheNext(int protocolVersion) {
        try (MosquittoBroker broker = MosquittoBroker.builder().name("resend").start();
                TcpProxy proxy = TcpProxy.start(broker.port());
                TestMqttClient subscriber = TestMqttClient.connect(broker.port()).subscribe("q/#", 2);
                BrokerChannel channel = new BrokerChannel(TestSettings.of(proxy.url()).protocolVersion(protocolVersion)
                        .clientId("resend-" + protocolVersion).persistentSession().reconnectDelay(Duration.ofMillis(100))
                        .build(), List.of())) {
            channel.start();
            await().atMost(BOUND).until(() -> channel.state() == ConnectionState.CONNECTED);

            proxy.blackhole(); // written, never acknowledged
            List<CompletableFuture<Void>> published = new ArrayList<>();
            for (int i = 0; i < MESSAGES; i++) {
                published.add(channel.publish(new BrokerMessage("q/" + (i % 2 == 0 ? "two/" : "one/") + i,
                        ("m" + i).getBytes(StandardCharsets.UTF_8), i % 2 == 0 ? 2 : 1, false)).toCompletableFuture());
            }
            await().during(Duration.ofMillis(300)).atMost(BOUND).until(() -> published.stream().noneMatch(CompletableFuture::isDone));
            proxy.heal(); // closes the connection that saw the blackhole

            assertThat(CompletableFuture.allOf(published.toArray(CompletableFuture[]::new))).succeedsWithin(BOUND);
            await().atMost(BOUND).until(() -> subscriber.received().stream().map(Received::topic).distinct().count() == MESSAGES);
            assertThat(subscriber.received().stream().filter(received -> received.topic().startsWith("q/two/")))
                    .as("QoS 2, exactly once").hasSize(MESSAGES / 2);
            assertThat(proxy.acceptedConnections()).isGreaterThanOrEqualTo(2);
        }
    }
}
