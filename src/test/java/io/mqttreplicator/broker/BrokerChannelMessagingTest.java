package io.mqttreplicator.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mqttreplicator.engine.BrokerMessage;
import io.mqttreplicator.engine.Subscription;
import io.mqttreplicator.testing.MosquittoBroker;
import io.mqttreplicator.testing.TestMqttClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BrokerChannelMessagingTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private MosquittoBroker broker;
    private TestMqttClient other;
    private final List<BrokerChannel> channels = new ArrayList<>();

    @BeforeEach
    void startBroker() {
        broker = MosquittoBroker.builder().name("messaging").start();
        other = TestMqttClient.connect(broker.port());
    }

    @AfterEach
    void stopAll() {
        channels.forEach(BrokerChannel::close);
        other.close();
        broker.close();
    }

    private BrokerChannel channel(TestSettings settings, Subscription... subscriptions) {
        BrokerChannel channel = new BrokerChannel(settings.build(), List.of(subscriptions));
        channels.add(channel);
        return channel;
    }

    @Test
    void messagesFromOtherClientsArriveWithTopicPayloadQosAndRetainFlag() {
        other.publish("sensors/ready", "old state", 1, true);
        BrokerChannel channel = channel(TestSettings.of(broker.url()), new Subscription("sensors/#", 1));
        InboundRecorder inbound = InboundRecorder.acking(channel);
        channel.start();

        await().atMost(WAIT).until(() -> inbound.on("sensors/ready").size() == 1);
        assertThat(inbound.on("sensors/ready").get(0).retain()).as("retained replay on subscribe").isTrue();
        assertThat(inbound.texts("sensors/ready")).containsExactly("old state");

        other.publish("sensors/temperature", "21.5", 1, false);
        other.publish("sensors/humidity", "40", 0, false);
        other.publish("sensors/wind", "", 1, true);
        other.publish("other/topic", "not subscribed", 1, false);

        await().atMost(WAIT).until(() -> inbound.on("sensors/wind").size() == 1);
        BrokerMessage temperature = inbound.on("sensors/temperature").get(0);
        assertThat(temperature.qos()).isEqualTo(1);
        assertThat(temperature.retain()).as("live message").isFalse();
        assertThat(InboundRecorder.text(temperature)).isEqualTo("21.5");
        BrokerMessage humidity = inbound.on("sensors/humidity").get(0);
        assertThat(humidity.qos()).isZero();
        assertThat(InboundRecorder.text(humidity)).isEqualTo("40");
        assertThat(inbound.on("sensors/wind").get(0).isDeletion()).isTrue();
        assertThat(inbound.on("sensors/wind").get(0).retain()).as("a live retained publish is not a replay").isFalse();
        assertThat(inbound.on("other/topic")).isEmpty();
    }

    @Test
    void qosOfDeliveryIsTheMinimumOfPublishAndSubscription() {
        other.publish("q/ready", "r", 1, true);
        BrokerChannel channel = channel(TestSettings.of(broker.url()), new Subscription("q/#", 0));
        InboundRecorder inbound = InboundRecorder.acking(channel);
        channel.start();
        await().atMost(WAIT).until(() -> inbound.on("q/ready").size() == 1);

        other.publish("q/two", "x", 2, false);

        await().atMost(WAIT).until(() -> inbound.on("q/two").size() == 1);
        assertThat(inbound.on("q/two").get(0).qos()).isZero();
    }

    @Test
    void publishAtQos1CompletesAfterTheBrokersAckAndSubscribersSeeIt() throws Exception {
        other.subscribe("out/#", 2);
        BrokerChannel channel = channel(TestSettings.of(broker.url()));
        channel.start();

        // published before the connection is up: held, then sent
        CompletableFuture<Void> qos1 = channel.publish(message("out/one", "first", 1, false)).toCompletableFuture();
        CompletableFuture<Void> qos0 = channel.publish(message("out/zero", "second", 0, false)).toCompletableFuture();
        CompletableFuture<Void> qos2 = channel.publish(message("out/two", "third", 2, true)).toCompletableFuture();

        qos1.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        qos0.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        qos2.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> other.received().size() == 3);
        assertThat(other.received("out/one")).singleElement().satisfies(received -> {
            assertThat(received.text()).isEqualTo("first");
            assertThat(received.qos()).isEqualTo(1);
        });
        assertThat(other.received("out/zero")).singleElement().satisfies(received -> assertThat(received.qos()).isZero());
        assertThat(other.received("out/two")).singleElement().satisfies(received -> assertThat(received.qos()).isEqualTo(2));

        try (TestMqttClient late = TestMqttClient.connect(broker.port())) {
            late.subscribe("out/two", 1);
            await().atMost(WAIT).until(() -> late.received("out/two").size() == 1);
            assertThat(late.received("out/two").get(0).retain()).as("published retained").isTrue();
        }
    }

    @Test
    void publishIsCappedAtTheBrokersMaxQos() throws Exception {
        other.subscribe("capped/#", 2);
        BrokerChannel channel = channel(TestSettings.of(broker.url()).maxQos(0));
        channel.start();

        channel.publish(message("capped/a", "x", 2, false)).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> other.received("capped/a").size() == 1);
        assertThat(other.received("capped/a").get(0).qos()).isZero();
    }

    @Test
    void publishAfterCloseFailsAndInboundCompletes() {
        BrokerChannel channel = channel(TestSettings.of(broker.url()), new Subscription("c/#", 1));
        InboundRecorder inbound = InboundRecorder.acking(channel);
        channel.start();
        await().atMost(WAIT).until(() -> channel.state() == ConnectionState.CONNECTED);

        channel.close();

        assertThat(channel.state()).isEqualTo(ConnectionState.DISCONNECTED);
        await().atMost(WAIT).until(inbound::completed);
        assertThatThrownBy(() -> channel.publish(message("c/x", "late", 1, false)).toCompletableFuture().get())
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(BrokerChannelClosedException.class);
        InboundRecorder afterClose = InboundRecorder.acking(channel);
        await().atMost(WAIT).until(afterClose::completed);
    }

    @Test
    void updateSubscriptionsAddsAndRemovesFiltersWithoutReconnecting() {
        other.publish("a/ready", "a", 1, true);
        other.publish("b/ready", "b", 1, true);
        BrokerChannel channel = channel(TestSettings.of(broker.url()), new Subscription("a/#", 1));
        List<ConnectionEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        channel.addStateListener(events::add);
        InboundRecorder inbound = InboundRecorder.acking(channel);
        channel.start();
        await().atMost(WAIT).until(() -> inbound.on("a/ready").size() == 1);
        String clientId = channel.settings().clientId();

        channel.updateSubscriptions(List.of(new Subscription("b/#", 1)));

        await().atMost(WAIT).until(() -> inbound.on("b/ready").size() == 1);
        other.publish("a/live", "not any more", 1, false);
        other.publish("b/live", "now", 1, false);
        await().atMost(WAIT).until(() -> inbound.on("b/live").size() == 1);
        assertThat(inbound.on("a/live")).as("unsubscribed before b/# was subscribed").isEmpty();

        channel.updateSubscriptions(List.of(new Subscription("b/#", 1), new Subscription("c/#", 0)));
        other.publish("c/ready", "c", 1, true);
        await().atMost(WAIT).until(() -> inbound.on("c/ready").size() == 1);

        assertThat(broker.connectionsOf(clientId)).as("connections of the channel").isEqualTo(1);
        assertThat(events).extracting(ConnectionEvent::state)
                .containsExactly(ConnectionState.CONNECTING, ConnectionState.CONNECTED);
    }

    @Test
    void mqtt3SubscriptionsEchoOwnPublishes() throws Exception {
        BrokerChannel channel = channel(TestSettings.of(broker.url()), new Subscription("loop/#", 1));
        assertThat(channel.echoesOwnPublishes()).isTrue();
        InboundRecorder inbound = InboundRecorder.acking(channel);
        other.publish("loop/ready", "r", 1, true);
        channel.start();
        await().atMost(WAIT).until(() -> inbound.on("loop/ready").size() == 1);

        channel.publish(message("loop/own", "mine", 1, false)).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);

        await().atMost(WAIT).until(() -> inbound.on("loop/own").size() == 1);
    }

    @Test
    void mqtt5SubscriptionsUseNoLocal() throws Exception {
        BrokerChannel channel = channel(TestSettings.of(broker.url()).protocolVersion(5), new Subscription("loop/#", 1));
        assertThat(channel.echoesOwnPublishes()).isFalse();
        InboundRecorder inbound = InboundRecorder.acking(channel);
        other.publish("loop/ready", "r", 1, true);
        channel.start();
        await().atMost(WAIT).until(() -> inbound.on("loop/ready").size() == 1);

        channel.publish(message("loop/own", "mine", 1, false)).toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        other.publish("loop/theirs", "theirs", 1, false);

        await().atMost(WAIT).until(() -> inbound.on("loop/theirs").size() == 1);
        assertThat(inbound.on("loop/own")).isEmpty();
        assertThat(inbound.on("loop/ready").get(0).retain()).isTrue();
    }

    static BrokerMessage message(String topic, String payload, int qos, boolean retain) {
        return new BrokerMessage(topic, payload.getBytes(StandardCharsets.UTF_8), qos, retain);
    }
}
